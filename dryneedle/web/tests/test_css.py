from django.template import Context, Template


def test_a_name_in_a_pdf_footer_prints_as_written_and_cannot_end_the_style():
    out = Template("{% load css %}{{ name|css_string }}").render(Context({"name": 'Hill & Dale "Physio" </style>'}))
    assert out == "Hill \\000026  Dale \\000022 Physio\\000022  \\00003c \\00002f style\\00003e "
    assert "<" not in out and '"' not in out and "&" not in out
