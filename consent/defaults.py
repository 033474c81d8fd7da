"""The practice's starting point, in the policies' own words where they have them."""

from typing import Any

# Policy 003: "This information might include: …"
CATEGORIES = (
    ("assessment-results", "Assessment results", "Psychometric and other assessment results."),
    ("goals", "Partnership goals", "The goals agreed for the coaching."),
    ("career", "Job hunting and career aspirations", "Plans to move role or leave the organisation."),
    ("feedback", "Feedback (including anonymous and unsolicited)", "What others say about the client."),
    ("appraisals", "Performance appraisals", "Appraisal content and ratings."),
    ("conflicts", "Interpersonal and institutional conflicts", "Conflicts with colleagues or the organisation."),
    ("discussions", "Details of coaching discussions", "What is said in sessions."),
    ("proprietary", "Proprietary or organisationally sensitive information", "The organisation's own secrets."),
    ("strategy", "Strategic and project development information", "Plans and projects not yet public."),
)

# Policies 001 and 004: confidentiality can never be total; say so in plain words.
EXCEPTIONS = (
    "Everything you say in coaching stays confidential, with these exceptions only. "
    "Your coach may have to share information without your agreement if the law requires it, "
    "or if there is compelling evidence of serious danger to you or to someone else. "
    "If that ever happens, your coach will first talk it through with you where it is safe to do so, "
    "share only what is strictly needed, and confirm to you in writing what was shared, with whom and why."
)

INTRODUCTION = (
    "This agreement between the client, the organisation paying for the coaching (the sponsor) and "
    "the coach sets out, before coaching begins, what may be shared, with whom, by whom, when and how. "
    "Anything not listed as shared below stays between the client and the coach."
)

SPONSOR_INCLUDES = (
    "A short summary of the coaching's progress towards the agreed goals, and whether coaching should "
    "continue. The client reads and approves it before the organisation sees it."
)
SPONSOR_EXCLUDES = "What was said in sessions, personal matters, career plans, and any feedback from others."

# Policy 003: "Members of the client's system (e.g. employer) who, as a result of the coaching
# partnership, learn confidential information about the client, must keep that information
# confidential unless it is illegal, unethical or otherwise agreed before coaching begins."
SPONSOR_DUTY = (
    "Anyone in the organisation who, through the coaching, learns confidential information about the "
    "client must keep it confidential, unless keeping it would be illegal or unethical, or this agreement "
    "says otherwise. If it is ever to be shared, the client is told before it is."
)

# Policy 003: "I expect my clients to respond in non-defensive ways to all feedback from others, even
# unsolicited and/or anonymous, without second-guessing who might have said it or retaliating …"
CLIENT_FEEDBACK_RESPONSE = (
    "When feedback from others is shared with you, even unsolicited or anonymous feedback, you are asked "
    "to respond in a non-defensive way: not to second-guess who might have said it, and never to retaliate "
    "for feedback that is hard to accept. This keeps people willing to share feedback with you in future."
)

# Categories shared by default in the standard template: (key, with whom, by whom, when, form, circumstances)
SHARED_BY_DEFAULT = {
    "goals": (
        "The sponsor contact",
        "The coach",
        "At the start and in the final report",
        "Written summary",
        "Only after the client has approved the wording",
    ),
}

# Policy 002: "Where consent is not given for the company to record and store basic information
# about the service user it is unlikely that a service will be able to be provided."
BASIC_INFORMATION_WORDING = (
    "I agree that the practice records and stores my basic information (my name and contact details) "
    "so that it can provide coaching to me. I know I can see what is held on me and withdraw this consent."
)


def install(category_model: Any, template_model: Any, term_model: Any) -> Any:
    """Create the built-in categories and the standard template if missing; idempotent.

    Takes the models as arguments so the data migration can pass its historical models.
    """
    categories = {}
    for position, (key, name, description) in enumerate(CATEGORIES, start=1):
        categories[key], _ = category_model.objects.get_or_create(
            key=key, defaults={"name": name, "description": description, "builtin": True, "position": position}
        )
    wording = {
        "introduction": INTRODUCTION,
        "sponsor_summary_includes": SPONSOR_INCLUDES,
        "sponsor_summary_excludes": SPONSOR_EXCLUDES,
        "feedback_anonymity": "by_category",
        "exceptions": EXCEPTIONS,
        "sponsor_duty": SPONSOR_DUTY,
        "client_feedback_response": CLIENT_FEEDBACK_RESPONSE,
    }
    # A migration older than a field passes a historical model without it (0002 predates the
    # sponsor's duty and the client's part; 0006 fills them in).
    known = {field.name for field in template_model._meta.get_fields()}
    template, created = template_model.objects.get_or_create(
        name="Standard three-way agreement", defaults={k: v for k, v in wording.items() if k in known}
    )
    if created:
        for key, category in categories.items():
            shared = SHARED_BY_DEFAULT.get(key)
            fields = (
                dict(zip(("with_whom", "by_whom", "when", "form", "circumstances"), shared, strict=True))
                if shared
                else {}
            )
            term_model.objects.create(template=template, category=category, shared=bool(shared), **fields)
    return template


def install_current() -> Any:
    from consent.models import AgreementTemplate, InformationCategory, TemplateTerm

    return install(InformationCategory, AgreementTemplate, TemplateTerm)


# What a client may give in the portal, in their own name. Policy 002: the consent to hold their
# information (given again after a withdrawal resumes the engagements it paused); policies 001 and
# 003: no marketing use and no testimonials without explicit permission.
PORTAL_CONSENT_WORDING = {
    "basic_information": BASIC_INFORMATION_WORDING,
    "testimonial": (
        "I agree that the practice may quote me, by name, as a testimonial about its coaching. "
        "I can withdraw this at any time, and it will not be used from then on."
    ),
    "marketing": (
        "I agree that the practice may mention that it coached me in its marketing. "
        "I can withdraw this at any time, and it will not be used from then on."
    ),
}
