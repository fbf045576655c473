"""Template helpers of the progress pages."""

from django import template

from ..models import fiscal_year_label

register = template.Library()


@register.filter
def fy(year) -> str:
    """A fiscal year as people write it: 2024年度 / FY2024."""
    return fiscal_year_label(year)
