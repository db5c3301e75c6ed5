import pytest
from django.core.exceptions import ValidationError

from dryneedle.lib.models import at_most


def test_text_that_does_not_fit_is_refused_not_cut():
    assert at_most("note", "x" * 10, 10) == "x" * 10
    with pytest.raises(ValidationError) as e:
        at_most("note", "x" * 11, 10)
    assert e.value.message_dict == {"note": ["At most 10 characters (this has 11)."]}
