"""TOTP second factor: who needs it, and the enrolment helpers."""

import io
from base64 import b32encode

import segno
from django_otp.plugins.otp_totp.models import TOTPDevice

from dryneedle.accounts.models import Membership, Role

PENDING = "mfa_pending"
PENDING_SECONDS = 300  # the code must follow the password within five minutes


def required_for(user, memberships: list[Membership] | None = None) -> bool:
    """Clinic admins and superusers must use a second factor (security-battery.md RT-11).

    ``memberships``: the user's active memberships when the caller has them already (the middleware does).
    """
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if memberships is not None:
        return any(m.role == Role.CLINIC_ADMIN and m.is_active for m in memberships)
    return Membership.objects.filter(user=user, role=Role.CLINIC_ADMIN, is_active=True).exists()


def device_of(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_device(user) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def secret_of(device: TOTPDevice) -> str:
    return b32encode(device.bin_key).decode()


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code (no script, no external image)."""
    out = io.BytesIO()
    segno.make(device.config_url, error="m").save(out, kind="svg", scale=4, xmldecl=False, svgns=True, title="QR code")
    return out.getvalue().decode()
