"""Django's form renderer, with its most used widget templates written in Python.

A list page's filter form is a dozen widgets: a select renders one included template per option,
and each included template another for its attributes. That was a fifth to a third of the server
CPU of the process logs, queue and jobs pages. The templates below are Django's own
(django/forms/templates/django/forms/widgets/), written out here byte for byte (their newlines included,
since the ones inside a select or a checkbox list stay in the page); tests/foundation/test_formrender.py renders every widget kind and the console's
filter forms both ways and requires identical HTML. Any other template goes to Django.
"""

from __future__ import annotations

from collections.abc import Callable

from django.forms.renderers import DjangoTemplates
from django.utils.safestring import SafeData, mark_safe

from orchestrator_site.htmltext import escaped

_WIDGETS = "django/forms/widgets/"


_text = escaped  # `{{ value }}` with autoescaping


def _formatted(value) -> str:
    """`{{ value|stringformat:'s' }}` with autoescaping."""
    try:
        text = "%s" % value  # noqa: UP031 - the filter's own formatting
    except (ValueError, TypeError):
        return ""
    return text if isinstance(value, SafeData) else escaped(text)


def _attrs(attrs: dict) -> str:
    """attrs.html."""
    parts = []
    for name, value in attrs.items():
        if value is not False:
            parts.append(" " + _text(name))
            if value is not True:
                parts.append(f'="{_formatted(value)}"')
    return "".join(parts)


def _input(widget: dict) -> str:
    """input.html."""
    value = widget["value"]
    shown = f' value="{_formatted(value)}"' if value != None else ""  # noqa: E711 - as {% if %}
    return (
        f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{shown}'
        f"{_attrs(widget['attrs'])}>\n"
    )


def _input_option(widget: dict) -> str:
    """input_option.html."""
    if not widget.get("wrap_label"):
        return _input(widget) + "\n"
    widget_id = widget["attrs"].get("id")
    label_for = f' for="{_text(widget_id)}"' if widget_id else ""
    return f"<label{label_for}>{_input(widget)} {_text(widget['label'])}</label>\n"


def _select_option(widget: dict) -> str:
    """select_option.html."""
    return (
        f'<option value="{_formatted(widget["value"])}"{_attrs(widget["attrs"])}>'
        f"{_text(widget['label'])}</option>\n"
    )


def _options(widget: dict) -> list[tuple[object, list[str]]] | None:
    """Each group's options rendered, or None when an option uses another template."""
    groups = []
    for group_name, options, _index in widget["optgroups"]:
        shown = []
        for option in options:
            render = _OPTIONS.get(option["template_name"])
            if render is None:
                return None
            shown.append(render(option))
        groups.append((group_name, shown))
    return groups


def _select(widget: dict) -> str | None:
    """select.html."""
    groups = _options(widget)
    if groups is None:
        return None
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options in groups:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        parts.extend("\n  " + option for option in options)
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>\n")
    return "".join(parts)


def _multiple_input(widget: dict) -> str | None:
    """multiple_input.html (checkbox and radio lists)."""
    groups = _options(widget)
    if groups is None:
        return None
    widget_id, css = widget["attrs"].get("id"), widget["attrs"].get("class")
    parts = ["<div"]
    if widget_id:
        parts.append(f' id="{_text(widget_id)}"')
    if css:
        parts.append(f' class="{_text(css)}"')
    parts.append(">")
    for group_name, options in groups:
        if group_name:
            parts.append(f"\n  <div><label>{_text(group_name)}</label>")
        parts.extend(f"<div>\n    {option}</div>" for option in options)
        if group_name:
            parts.append("\n  </div>")
    parts.append("\n</div>\n")
    return "".join(parts)


def _wrapped(render: Callable[[dict], str | None]) -> Callable[[dict], str | None]:
    """A template that only includes another one, plus its own trailing newline."""

    def wrapper(widget: dict) -> str | None:
        inner = render(widget)
        return None if inner is None else inner + "\n"

    return wrapper


_OPTIONS: dict[str, Callable[[dict], str]] = {
    _WIDGETS + "select_option.html": _select_option,
    _WIDGETS + "input_option.html": _input_option,
    _WIDGETS + "checkbox_option.html": lambda w: _input_option(w) + "\n",
    _WIDGETS + "radio_option.html": lambda w: _input_option(w) + "\n",
}
_INPUTS = ("text", "number", "email", "url", "password", "hidden", "date", "datetime", "time")
_TEMPLATES: dict[str, Callable[[dict], str | None]] = {
    **{f"{_WIDGETS}{kind}.html": _wrapped(_input) for kind in (*_INPUTS, "search", "checkbox")},
    _WIDGETS + "input.html": _input,
    _WIDGETS + "select.html": _select,
    _WIDGETS + "checkbox_select.html": _wrapped(_multiple_input),
    _WIDGETS + "radio.html": _wrapped(_multiple_input),
    _WIDGETS + "multiple_input.html": _multiple_input,
    # One option rendered alone: `{{ radio }}` in a `{% for radio in form.field %}` loop.
    **_OPTIONS,
}


# --- Around the widgets: a field's label, its errors and its group (label, help, errors, widget).


def _label(context: dict) -> str:
    """label.html (with django/forms/attrs.html)."""
    label = _text(context["label"])
    if not context["use_tag"]:
        return label + "\n"
    tag = _text(context["tag"])
    return f"<{tag}{_attrs(context['attrs'] or {})}>{label}</{tag}>\n"


def _errors(context: dict) -> str:
    """errors/list/default.html, which is errors/list/ul.html."""
    errors = context["errors"]
    if not errors:
        return ""
    field_id = getattr(errors, "field_id", None)
    shown_id = f' id="{_text(field_id)}_error"' if field_id else ""
    items = "".join(f"<li>{_text(error)}</li>" for error in errors)
    return f'<ul class="{_text(context["error_class"])}"{shown_id}>{items}</ul>'


def _field(context: dict) -> str:
    """field.html: `field` is the BoundField."""
    field = context["field"]
    fieldset = field.use_fieldset
    parts = []
    if fieldset:
        described = field.aria_describedby
        shown = f' aria-describedby="{_text(described)}"' if described else ""
        parts.append(f"\n  <fieldset{shown}>\n  ")
        if field.label:
            parts.append(_text(field.legend_tag()))
        parts.append("\n")
    else:
        parts.append("\n  ")
        if field.label:
            parts.append(_text(field.label_tag()))
        parts.append("\n")
    parts.append("\n")
    if field.help_text:
        helptext_id = f' id="{_text(field.auto_id)}_helptext"' if field.auto_id else ""
        parts.append(f'<div class="helptext"{helptext_id}>{field.help_text}</div>')
    parts.append(f"\n{_text(field.errors)}\n{_text(field)}")
    if fieldset:
        parts.append("</fieldset>")
    parts.append("\n")
    return "".join(parts)


def _div(context: dict) -> str:
    """div.html, the form's layout (as_div): each field's group in a div, the hidden fields after
    the last one, the form's own errors first."""
    errors, fields = context["errors"], context["fields"]
    hidden = "".join(_text(field) for field in context["hidden_fields"])
    parts = [_text(errors), "\n"]
    if errors and not fields:
        parts.append(f"\n  <div>{hidden}</div>\n")
    parts.append("\n")
    last = len(fields) - 1
    for i, (field, _errors) in enumerate(fields):
        classes = field.css_classes()
        shown = f' class="{_text(classes)}"' if classes else ""
        parts.append(f"\n  <div{shown}>\n    {_text(field.as_field_group())}\n    ")
        if i == last:
            parts.append(f"\n      {hidden}\n    ")
        parts.append("\n</div>\n")
    parts.append("\n")
    if not fields and not errors:
        parts.append(f"\n  {hidden}\n")
    parts.append("\n")
    return "".join(parts)


_CONTEXTS: dict[str, tuple[str, Callable[[dict], str]]] = {
    "django/forms/div.html": ("fields", _div),
    "django/forms/label.html": ("use_tag", _label),
    "django/forms/errors/list/default.html": ("errors", _errors),
    "django/forms/errors/list/ul.html": ("errors", _errors),
    "django/forms/field.html": ("field", _field),
}


class FastWidgets(DjangoTemplates):
    """FORM_RENDERER: Django's templates, except the ones above (which nobody overrides here)."""

    def render(self, template_name, context, request=None):
        html = self._python(template_name, context)
        if html is not None:
            # Stripped, as BaseRenderer.render strips what a template wrote.
            return mark_safe(html.strip())  # noqa: S308 - every value above is escaped
        return super().render(template_name, context, request)

    @staticmethod
    def _python(template_name: str, context) -> str | None:
        render = _TEMPLATES.get(template_name)
        if render is not None:
            widget = context.get("widget")
            return render(widget) if isinstance(widget, dict) else None
        known = _CONTEXTS.get(template_name)
        if known is not None and known[0] in context:
            return known[1](context)
        return None
