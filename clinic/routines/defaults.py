"""Routine templates per concern, built from the article's home products and the clinic basics.

The concern templates hold home products only. DP Derm Exo-Skin ($299) is an in-office product used after
microneedling, so it appears in the post-microneedling aftercare template and nowhere else; the hair-loss
template holds scalp care, not a face serum.

Staff copy a template into a patient's routine and then adjust it; a product is referred to by
(brand, name) and looked up in the clinic's catalog when copied (missing products become free-text steps).
"""

from __future__ import annotations

CLEANSER = ("Clinic Basics", "Gentle Cream Cleanser")
HYALURONIC = ("Clinic Basics", "Hyaluronic Recovery Serum")
SPF = ("Clinic Basics", "Mineral Sunscreen SPF 50")
RETINOL = ("Clinic Basics", "Retinol 0.3% Night Serum")
VITAMIN_C = ("Clinic Basics", "Vitamin C 15% Serum")
GLYCOLIC = ("Clinic Basics", "Glycolic 7% Toner")
POWER_MOVE = ("Stripes", "The Power Move")
PLATED = ("Plated Skin Science", "Daily Serum")
STURM = ("Dr. Barbara Sturm", "Exoso-Metic Face Serum")
DP_DERM = ("DP Derm", "Exo-Skin Exosome Therapy")


def _s(slot: str, product=None, label=None, frequency="daily", weekdays=None, instructions=None) -> dict:
    return dict(
        slot=slot,
        product=product,
        label=label,
        frequency=frequency,
        weekdays=weekdays,
        instructions=instructions,
    )


TEMPLATES: dict[str, dict] = {
    "aging": dict(
        concern="aging",
        name="Aging",
        goal="Smoother texture and fewer fine lines",
        steps=[
            _s("am", CLEANSER),
            _s("am", VITAMIN_C, instructions="3–4 drops before moisturiser."),
            _s("am", POWER_MOVE, instructions="2–3 drops, pat in."),
            _s("am", SPF),
            _s("pm", CLEANSER),
            _s("pm", PLATED, instructions="Apply to clean, dry skin."),
            _s(
                "pm",
                RETINOL,
                frequency="weekdays",
                weekdays="024",
                instructions="Pea-sized amount; not on the same night as an acid.",
            ),
        ],
    ),
    "pigmentation": dict(
        concern="pigmentation",
        name="Pigmentation",
        goal="A more even tone",
        steps=[
            _s("am", CLEANSER),
            _s("am", VITAMIN_C),
            _s("am", STURM),
            _s("am", SPF, instructions="Reapply every 2 hours outdoors."),
            _s("pm", CLEANSER),
            _s("pm", STURM),
            _s(
                "pm",
                GLYCOLIC,
                frequency="weekdays",
                weekdays="135",
                instructions="Cotton pad, avoid the eyes.",
            ),
        ],
    ),
    "rosacea": dict(
        concern="rosacea",
        name="Rosacea",
        goal="Calmer skin, fewer flushes",
        steps=[
            _s("am", CLEANSER, instructions="Lukewarm water only."),
            _s("am", HYALURONIC),
            _s("am", SPF),
            _s("pm", CLEANSER),
            _s("pm", PLATED, instructions="Apply to clean, dry skin; stop and call us if it stings."),
            _s("pm", HYALURONIC),
        ],
    ),
    "hair_loss": dict(
        concern="hair_loss",
        name="Hair loss",
        goal="Denser, stronger hair",
        steps=[
            _s("am", label="Scalp massage, 5 minutes", instructions="Fingertips, small circles."),
            _s(
                "pm",
                label="Gentle scalp wash",
                frequency="every_other_day",
                instructions="Mild shampoo, lukewarm water.",
            ),
            _s(
                "pm",
                label="Scalp serum from your dermatologist",
                instructions="A few drops along the parting on a dry scalp, massage in; not a face serum.",
            ),
        ],
    ),
    "post_microneedling": dict(
        concern="post_microneedling",
        name="Post-microneedling recovery",
        goal="Calm, hydrated skin while it heals",
        steps=[
            _s("am", CLEANSER, instructions="No rubbing."),
            _s("am", HYALURONIC),
            _s("am", DP_DERM),
            _s("am", SPF, instructions="Daily from day 2; avoid direct sun for 7 days."),
            _s("pm", CLEANSER),
            _s("pm", HYALURONIC),
            _s("pm", DP_DERM),
        ],
    ),
}

CONCERN_CHOICES: dict[str, str] = {key: t["name"] for key, t in TEMPLATES.items()} | {"other": "Other"}
