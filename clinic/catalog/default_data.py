"""DOMAIN.md's catalogue as data: the article's four products, a few everyday products that routines need
(cleanser, SPF, actives to pause), the four procedures with their protocols and aftercare rules.

Exosome sources: the article names none for any product (its general remark that exosomes come from bone-marrow
stem cells is not a manufacturer's declaration), so every product says "undisclosed" until the clinic records
what the manufacturer declares.

`clinic.catalog.defaults.install_defaults` turns these into rows.
"""

from __future__ import annotations

PRODUCTS = [
    # The article's four products.
    dict(
        brand="Stripes",
        name="The Power Move",
        category="serum",
        size_ml="30",
        price="85.00",
        ingredients="Hyaluronic acid, ectoine, squalane, exosomes",
        use="home",
        ml_per_use="0.3",
        tags=["exosome", "hyaluronic_acid", "ectoine", "squalane"],
        exosome_source="undisclosed",
        usage_instructions="Plumping, hydrating serum for dull, dry, mature skin and fine lines. "
        "Apply 2–3 drops to clean skin morning and evening.",
    ),
    dict(
        brand="Plated Skin Science",
        name="Daily Serum",
        category="serum",
        size_ml="30",
        price="267.00",
        ingredients="Exosomes. Gluten-free, paraben-free.",
        use="home",
        ml_per_use="0.3",
        tags=["exosome"],
        exosome_source="undisclosed",
        usage_instructions="Daily, all skin types, for tone and texture. Apply to clean skin.",
    ),
    dict(
        brand="Dr. Barbara Sturm",
        name="Exoso-Metic Face Serum",
        category="serum",
        size_ml="30",
        price="510.00",
        ingredients="Exosomes, vitamin E, bergamot fruit oil",
        use="home",
        ml_per_use="0.25",
        tags=["exosome", "vitamin_e", "bergamot"],
        exosome_source="undisclosed",
        usage_instructions="For hyperpigmentation, firming and smoothing. Apply morning and evening.",
    ),
    dict(
        brand="DP Derm",
        name="Exo-Skin Exosome Therapy",
        category="in_office_exosome",
        size_ml="5",
        price="299.00",
        ingredients="Exosomes",
        use="both",
        ml_per_use="1",
        tags=["exosome"],
        exosome_source="undisclosed",
        usage_instructions="Applied after microneedling in the clinic; also for home use against signs of "
        "aging and rosacea. Follow the clinic's instructions.",
    ),
    # Everyday products that routines and aftercare refer to.
    dict(
        brand="Clinic Basics",
        name="Gentle Cream Cleanser",
        category="cleanser",
        size_ml="200",
        price="24.00",
        ingredients="Glycerin, ceramides",
        use="home",
        ml_per_use="2",
        tags=["gentle_cleanser"],
        usage_instructions="Massage onto damp skin, rinse with lukewarm water.",
    ),
    dict(
        brand="Clinic Basics",
        name="Hyaluronic Recovery Serum",
        category="serum",
        size_ml="30",
        price="38.00",
        ingredients="Sodium hyaluronate, panthenol",
        use="home",
        ml_per_use="0.3",
        tags=["hyaluronic_acid"],
        usage_instructions="Pat onto clean skin, morning and evening.",
    ),
    dict(
        brand="Clinic Basics",
        name="Mineral Sunscreen SPF 50",
        category="spf",
        size_ml="50",
        price="32.00",
        ingredients="Zinc oxide, titanium dioxide",
        use="home",
        ml_per_use="1.2",
        tags=["spf"],
        usage_instructions="Apply generously as the last morning step; reapply every 2 hours outdoors.",
    ),
    dict(
        brand="Clinic Basics",
        name="Retinol 0.3% Night Serum",
        category="treatment",
        size_ml="30",
        price="45.00",
        ingredients="Retinol 0.3%, squalane",
        use="home",
        ml_per_use="0.3",
        tags=["retinoid", "squalane"],
        usage_instructions="Evenings only; start twice a week.",
    ),
    dict(
        brand="Clinic Basics",
        name="Vitamin C 15% Serum",
        category="serum",
        size_ml="30",
        price="42.00",
        ingredients="L-ascorbic acid 15%, vitamin E, ferulic acid",
        use="home",
        ml_per_use="0.3",
        tags=["vitamin_c", "vitamin_e"],
        usage_instructions="Mornings, before sunscreen.",
    ),
    dict(
        brand="Clinic Basics",
        name="Glycolic 7% Toner",
        category="toner",
        size_ml="100",
        price="28.00",
        ingredients="Glycolic acid 7%",
        use="home",
        ml_per_use="1",
        tags=["aha"],
        usage_instructions="Evenings, on a cotton pad; not on the same night as a retinoid.",
    ),
]

# Recovery steps and pauses after skin-needling procedures (DOMAIN.md, aftercare defaults).
_SKIN_AFTERCARE = [
    dict(action="pause_tag", ingredient_tag="retinoid", label="No retinoids", window_hours=120),
    dict(
        action="pause_tag",
        ingredient_tag="prescription_retinoid",
        label="No prescription retinoids",
        window_hours=168,
        patient_instruction="Resume tretinoin, adapalene or tazarotene from day 7–10.",
    ),
    dict(action="pause_tag", ingredient_tag="aha", label="No AHA acids", window_hours=120),
    dict(action="pause_tag", ingredient_tag="bha", label="No BHA acids", window_hours=120),
    dict(action="pause_tag", ingredient_tag="vitamin_c", label="No vitamin C", window_hours=120),
    dict(action="pause_tag", ingredient_tag="benzoyl_peroxide", label="No benzoyl peroxide", window_hours=120),
    dict(action="pause_tag", ingredient_tag="scrub", label="No scrubs", window_hours=120),
    dict(
        action="add_step",
        ingredient_tag="gentle_cleanser",
        label="Gentle cleanse",
        window_hours=120,
        step_slot="both",
        patient_instruction="Lukewarm water, no rubbing.",
    ),
    dict(
        action="add_step",
        ingredient_tag="hyaluronic_acid",
        label="Hyaluronic acid",
        window_hours=120,
        step_slot="both",
        patient_instruction="Pat on gently to keep the skin hydrated.",
    ),
    dict(
        action="add_step",
        ingredient_tag="spf",
        label="SPF 30+",
        starts_after_hours=24,
        window_hours=144,
        step_slot="am",
        patient_instruction="Daily from day 2; avoid direct sun for 7 days.",
    ),
    dict(action="advise", label="No makeup", window_hours=48),
    dict(action="advise", label="No exercise or sweating", window_hours=48),
    dict(action="advise", label="No sauna, steam room or swimming", window_hours=120),
    dict(action="advise", label="Avoid direct sun", window_hours=168),
    dict(action="advise", label="No alcohol, fish oil or aspirin", window_hours=24),
    dict(action="advise", label="No waxing or depilatories", window_hours=168),
]
_SCALP_AFTERCARE = [
    dict(action="advise", label="Do not wash your hair", window_hours=24),
    dict(action="advise", label="No exercise or sweating", window_hours=48),
    dict(action="advise", label="No hair dye, hair sprays or styling products", window_hours=72),
    dict(action="advise", label="No sauna, steam room or swimming", window_hours=120),
]

PROCEDURES = [
    dict(
        code="microneedling_exosome",
        name="Microneedling + topical exosome",
        kind="microneedling",
        duration_minutes=75,
        aftercare=_SKIN_AFTERCARE,
        protocol=dict(
            name="Face microneedling + exosome: 4 sessions",
            induction_count=4,
            min_interval_days=28,
            max_interval_days=42,
        ),
        more_protocols=[
            dict(
                name="Acne scars (mild), microneedling: 3–4 sessions",
                induction_count=4,
                min_interval_days=28,
                max_interval_days=42,
            ),
        ],
    ),
    dict(
        code="laser_exosome",
        name="Laser (non-ablative / fractional) + topical exosome",
        kind="laser",
        duration_minutes=60,
        aftercare=_SKIN_AFTERCARE,
        protocol=dict(
            name="Laser + exosome: 4 sessions", induction_count=4, min_interval_days=28, max_interval_days=42
        ),
        more_protocols=[
            dict(
                name="Acne scars (moderate), laser: 4–6 sessions",
                induction_count=6,
                min_interval_days=28,
                max_interval_days=42,
            ),
            dict(
                name="Acne scars (severe), laser: 6–8 sessions",
                induction_count=8,
                min_interval_days=28,
                max_interval_days=42,
            ),
        ],
    ),
    dict(
        code="scalp_exosome_topical",
        name="Scalp exosome (topical with microneedling)",
        kind="scalp_topical",
        duration_minutes=60,
        aftercare=_SCALP_AFTERCARE,
        protocol=dict(
            name="Scalp exosome: days 1, 15, 45, 75, 105",
            induction_day_offsets=[1, 15, 45, 75, 105],
            maintenance_interval_days=182,
        ),
    ),
    dict(
        code="scalp_exosome_injection",
        name="Scalp exosome injection",
        kind="scalp_injection",
        duration_minutes=45,
        aftercare=_SCALP_AFTERCARE,
        protocol=dict(
            name="Scalp injections: every 8 weeks × 3, then every 6 months",
            induction_day_offsets=[1, 57, 113],
            maintenance_interval_days=182,
        ),
    ),
]
