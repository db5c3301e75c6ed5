"""An answer a lower app needs from an app above it, without importing upwards.

The apps are layered (docs/architecture.md): patients never imports visits.
When a lower app needs something only a higher one knows — how many visits a
practitioner has signed — it declares a ``Hook`` and the higher app provides
the answer in its ``AppConfig.ready``. For events that several apps react to
(an episode discharged, a visit signed) use a Django ``Signal`` named for the
event instead; a hook has exactly one provider.
"""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured


class Hook:
    def __init__(self, name: str, doc: str) -> None:
        self.name = name
        self.__doc__ = doc
        self._provider: Callable[..., Any] | None = None

    def provide(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        self._provider = fn
        return fn

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._provider is None:
            raise ImproperlyConfigured(f"No app provides the hook {self.name!r} (is its app installed?)")
        return self._provider(*args, **kwargs)
