from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dryneedle.lib.http import BadQuery


def error_404(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def error_403(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def error_500(request: HttpRequest) -> HttpResponse:
    # No context processors or details: the page must render even when the
    # database is down, and must show nothing about the cause.
    return render(request, "errors/500.html", status=500)


def error_400(request: HttpRequest, exception=None) -> HttpResponse:
    # Only our own messages are shown (BadQuery), through the template, escaped; never str() of anything else.
    message = str(exception) if isinstance(exception, BadQuery) else ""
    return render(request, "errors/400.html", {"message": message}, status=400)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "errors/403_csrf.html", status=403)
