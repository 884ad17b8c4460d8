"""The built-in ME/CFS symptom catalogue, loaded by ``manage.py load_symptoms``.

Slugs are stable natural keys: the evidence app links studies to them, and reloading
updates names and descriptions without duplicating anything.
"""

from django.utils.translation import gettext_noop as _

# (slug, name, description, tracked by default for a new account)
BUILTIN_SYMPTOMS: list[tuple[str, str, str, bool]] = [
    (
        "fatigue",
        _("Fatigue"),
        _("Physical and mental exhaustion not relieved by rest."),
        True,
    ),
    (
        "post-exertional-malaise",
        _("Post-exertional malaise"),
        _("Symptoms worsening after physical, mental or emotional effort."),
        True,
    ),
    (
        "unrefreshing-sleep",
        _("Unrefreshing sleep"),
        _("Waking up as tired as, or more tired than, before sleeping."),
        True,
    ),
    (
        "brain-fog",
        _("Brain fog / thinking and memory"),
        _("Trouble concentrating, finding words, remembering or thinking quickly."),
        True,
    ),
    ("muscle-pain", _("Muscle pain"), _("Aching or painful muscles."), True),
    (
        "joint-pain",
        _("Joint pain"),
        _("Pain in the joints without swelling or redness."),
        False,
    ),
    (
        "headache",
        _("Headache"),
        _("Headaches of a new type, pattern or severity."),
        True,
    ),
    (
        "orthostatic-intolerance",
        _("Dizziness or light-headedness on standing"),
        _("Feeling faint, dizzy or worse when upright."),
        False,
    ),
    ("sore-throat", _("Sore throat"), _("A sore or painful throat."), False),
    (
        "tender-lymph-nodes",
        _("Tender lymph nodes"),
        _("Tender glands in the neck or armpits."),
        False,
    ),
    ("low-mood", _("Low mood"), _("Feeling down, flat or hopeless."), False),
    (
        "gut-symptoms",
        _("Gut symptoms"),
        _("Nausea, bloating, pain, or changes in bowel habits."),
        False,
    ),
    (
        "shortness-of-breath",
        _("Shortness of breath"),
        _("Breathlessness, or air hunger."),
        False,
    ),
    (
        "blurred-vision",
        _("Blurred vision"),
        _("Blurred or unstable vision, trouble focusing."),
        False,
    ),
    (
        "sensory-sensitivity",
        _("Sensitivity to light or noise"),
        _("Light, sound or other sensations feeling too strong."),
        False,
    ),
]
