"""The number formats a staff-written message text may use (``notifications.message_templates``
loads this library into its sandbox instead of ``core.templatetags.portal_format``).

The portal's ``krw`` and ``krw_compact``, except that a value which is not a whole number of
won is written as it is instead of raising. A custom text is saved before any message is
rendered with it, and its messages are rendered inside the change that writes them (an in-app
notice) and again by the outbox worker: ``{{ title|krw }}`` on a text placeholder must neither
refuse that change (an application's submission) nor fail every e-mail of the template until
it is given up. The preview shows the value unformatted, which tells staff what went wrong.
"""

from django import template

from core.templatetags import portal_format

register = template.Library()


@register.filter
def krw(value):
    """``portal_format.krw``, or ``value`` as it is when it is not an amount."""
    try:
        return portal_format.krw(value)
    except (TypeError, ValueError, ArithmeticError):
        return value


@register.filter
def krw_compact(value):
    """``portal_format.krw_compact``, or ``value`` as it is when it is not an amount."""
    try:
        return portal_format.krw_compact(value)
    except (TypeError, ValueError, ArithmeticError):
        return value
