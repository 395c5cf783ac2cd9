"""FastWidgets writes exactly the HTML Django's widget templates write, for every widget kind the
console uses (and a few more), with hostile values, and for the console's own filter forms."""

from __future__ import annotations

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.http import QueryDict

from logs.filters import LogFilter
from logs.models import Log
from orchestrator_site.filters import AuditFilter, ConsoleFilterSet
from orchestrator_site.formrender import FastWidgets
from orchestrator_site.models import AuditEntry
from queues.filters import ElementFilter
from queues.models import QueueElement
from triggers.filters import JobFilter, TriggerFilter
from triggers.models import Job, Trigger
from vault.filters import NameSearchFilter
from vault.models import Constant

HOSTILE = "<script>alert(\"x\")</script> & 'q'\nline"
GROUPED = [
    ("", "none"),
    ("Group <b>", [("a&b", "A & B"), ("<x>", HOSTILE)]),
    ("Other", [("1", "One"), ("2", "Two")]),
    (3, "three"),
]


class EveryWidget(forms.Form):
    text = forms.CharField(required=False, help_text="Help <i>", max_length=20)
    number = forms.IntegerField(required=False, min_value=1)
    email = forms.EmailField(required=False)
    url = forms.URLField(required=False, assume_scheme="https")
    password = forms.CharField(required=False, widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(required=False, widget=forms.HiddenInput)
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    moment = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": 1})
    )
    clock = forms.TimeField(required=False)
    search = forms.CharField(required=False, widget=forms.TextInput(attrs={"type": "search"}))
    flag = forms.BooleanField(required=False)
    off = forms.CharField(required=False, widget=forms.TextInput(attrs={"disabled": True, "x": 0}))
    choice = forms.ChoiceField(required=False, choices=GROUPED)
    many = forms.MultipleChoiceField(required=False, choices=GROUPED)
    boxes = forms.MultipleChoiceField(
        required=False, choices=GROUPED, widget=forms.CheckboxSelectMultiple(attrs={"class": "c"})
    )
    flat_boxes = forms.MultipleChoiceField(
        required=False, choices=[("a", "A"), ("b", "B")], widget=forms.CheckboxSelectMultiple
    )
    radio = forms.ChoiceField(required=False, choices=GROUPED, widget=forms.RadioSelect)
    area = forms.CharField(required=False, widget=forms.Textarea)


DATA = {
    "text": HOSTILE,
    "number": "x<y",
    "email": HOSTILE,
    "url": "javascript:alert(1)",
    "password": HOSTILE,
    "hidden": HOSTILE,
    "day": "2026-13-40",
    "moment": "2026-11-28T10:00:00",
    "clock": "25:00",
    "search": HOSTILE,
    "flag": "on",
    "choice": "<x>",
    "many": ["a&b", "2"],
    "boxes": ["<x>", "1"],
    "flat_boxes": ["b"],
    "radio": "3",
    "area": HOSTILE,
}


def both(render) -> tuple[str, str]:
    return render(DjangoTemplates()), render(FastWidgets())


@pytest.mark.parametrize("data", [None, {}, DATA], ids=["unbound", "empty", "hostile"])
def test_every_widget_renders_as_djangos_templates(data):
    ours_and_django = both(lambda renderer: EveryWidget(data, renderer=renderer).as_div())
    django_html, ours = ours_and_django
    assert ours == django_html
    if data:
        assert "<script>" not in ours and "&lt;script&gt;" in ours


@pytest.mark.parametrize("data", [None, DATA], ids=["unbound", "hostile"])
@pytest.mark.parametrize("name", ["radio", "boxes", "flat_boxes"])
def test_each_option_rendered_alone_is_djangos(data, name):
    """`{% for radio in form.field %}{{ radio }}{% endfor %}` (the CSV format, the log purge's
    retention): each option through its own template, with its label around it."""

    def render(renderer) -> str:
        field = EveryWidget(data, renderer=renderer)[name]
        return "|".join([str(option) for option in field] + [option.tag() for option in field])

    django_html, ours = both(render)
    assert ours == django_html and "<input" in ours


def test_an_unknown_option_template_goes_to_django():
    class OddOption(forms.Select):
        option_template_name = "django/forms/widgets/radio_option.html"

    class OddForm(forms.Form):
        odd = forms.ChoiceField(choices=GROUPED, widget=OddOption)

    django_html, ours = both(lambda renderer: OddForm({"odd": "1"}, renderer=renderer).as_div())
    assert ours == django_html


FILTERS: list[tuple[type[ConsoleFilterSet], type, dict]] = [
    (LogFilter, Log, {"level": ["ERROR", "<x>"], "text": HOSTILE, "start": "2026-11-28T10:00"}),
    (ElementFilter, QueueElement, {"status": ["FAILED"], "reference": HOSTILE}),
    (TriggerFilter, Trigger, {"q": HOSTILE, "status": "FAILED"}),
    (JobFilter, Job, {"process": HOSTILE, "status": "<x>"}),
    (AuditFilter, AuditEntry, {"action": HOSTILE}),
    (NameSearchFilter, Constant, {"q": HOSTILE}),
]


@pytest.mark.django_db(databases="__all__")
@pytest.mark.parametrize(
    ("filterset", "model", "data"), FILTERS, ids=lambda v: getattr(v, "__name__", "")
)
def test_the_consoles_filter_forms_render_as_with_djangos_templates(
    filterset, model, data, settings
):
    query = QueryDict(mutable=True)
    for name, value in data.items():
        query.setlist(name, value if isinstance(value, list) else [value])

    def render(renderer) -> str:
        settings.FORM_RENDERER = f"{type(renderer).__module__}.{type(renderer).__name__}"
        form = filterset(query, queryset=model.objects.none()).form
        form.renderer = renderer
        return form.as_div()

    django_html, ours = both(render)
    assert ours == django_html
    assert "<select" in ours or "<input" in ours


def test_the_console_renders_its_forms_with_it():
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), FastWidgets)


@pytest.mark.django_db(databases="__all__")
@pytest.mark.parametrize(
    ("filterset", "model", "data"), FILTERS, ids=lambda v: getattr(v, "__name__", "")
)
def test_no_filter_makes_the_database_deduplicate_rows(filterset, model, data):
    """Every filter reads columns of the listed rows themselves, so DISTINCT (django-filter's
    default for multiple choices) would only make the database sort every matching row."""
    query = QueryDict(mutable=True)
    for name, field in filterset.base_filters.items():
        choices = getattr(field, "extra", {}).get("choices", [])
        if callable(choices):  # choices known only once the apps are ready (the audit's actions)
            choices = choices()
        values = [str(v) for v, _label in list(choices)[:2]]
        if values:
            query.setlist(name, values)
    sql = str(filterset(query, queryset=model.objects.all()).qs.query)
    assert "DISTINCT" not in sql.upper()


class OnlyHidden(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)
    other = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        raise forms.ValidationError("The whole form <is> wrong.")


class Classy(forms.Form):
    required_css_class = "required"
    error_css_class = "has-error"
    name = forms.CharField()
    note = forms.CharField(required=False, help_text="Any <b>text</b>.")
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        raise forms.ValidationError("Form-wide & <odd>.")


@pytest.mark.parametrize("form_class", [OnlyHidden, Classy])
@pytest.mark.parametrize("data", [None, {}, {"token": HOSTILE, "name": HOSTILE}])
def test_the_form_layout_renders_as_djangos_template(form_class, data):
    """as_div's layout: the form's own errors first, hidden fields after the last field (or in
    a div of their own when there is no other field), the row classes of required and erroneous
    fields."""
    django_html, ours = both(lambda renderer: form_class(data, renderer=renderer).as_div())
    assert ours == django_html
    if data is not None:
        assert "errorlist nonfield" in ours and "&lt;" in ours and "<odd>" not in ours
