"""Template tags of the web frame (base.html): navigation, purpose banner, labels."""

from __future__ import annotations

from django import template

from registry.web.labels import field_label as _field_label
from registry.web.labels import reason_label as _reason_label
from registry.web.navigation import nav_items as _nav_items

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_items(context):
    request = context.get("request")
    return _nav_items(request) if request is not None else []


@register.simple_tag(takes_context=True)
def current_purpose(context):
    """(code, label, text) of the purpose in force, or None."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return None
    from registry.web.purpose import current_purpose as _current
    from registry.web.purpose import purpose_label

    purpose = getattr(request, "purpose", None) or _current(request)
    if purpose is None:
        return None
    return {"code": purpose.code, "label": purpose_label(purpose.code), "text": purpose.text}


@register.simple_tag(takes_context=True)
def user_role_label(context):
    from registry.roles import Role
    from registry.web.auth import request_role

    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return ""
    return Role(request_role(request)).label


@register.filter
def field_label(name):
    return _field_label(str(name))


@register.filter
def reason_label(reason):
    return _reason_label(str(reason))


@register.filter
def relationship_label(code):
    from registry.web.labels import relationship_label as _relationship_label

    return _relationship_label(str(code or ""))


@register.filter
def sex_label(code):
    from registry.web.labels import SEX_LABELS

    return SEX_LABELS.get(code, code or "")


@register.filter
def rupiah(amount):
    """1250000 -> 'Rp1.250.000' (Indonesian thousands separator, no decimals)."""
    if amount is None or amount == "":
        return ""
    return "Rp" + f"{int(amount):,}".replace(",", ".")


@register.filter
def access_label(level):
    from registry.web.labels import ACCESS_LABELS

    label = ACCESS_LABELS.get(level)
    return label if label is not None else level


@register.filter
def period_label(period):
    from registry.web.labels import period_label as _period_label

    return _period_label(period)


@register.filter
def day(value):
    """A date in the one display format of the pages (30 Agu 1974)."""
    from registry.web.labels import date_label

    return date_label(value)


@register.filter
def action_label(code):
    from registry.web.labels import action_label as _action_label

    return _action_label(str(code or ""))


@register.filter
def role_label(code):
    from registry.web.labels import role_label as _role_label

    return _role_label(str(code or ""))


@register.filter
def denial_reason_label(code):
    from registry.web.labels import denial_reason_label as _label

    return _label(str(code or ""))


@register.filter
def purpose_code_label(code):
    from registry.selectors import PURPOSE_CODES

    label = PURPOSE_CODES.get(str(code or ""))
    return str(label) if label is not None else (code or "")


@register.filter
def rule_label(code):
    from registry.web.labels import rule_label as _rule_label

    return _rule_label(str(code or ""))


@register.filter
def rule_level_label(level):
    from registry.web.labels import rule_level_label as _label

    return _label(str(level or ""))
