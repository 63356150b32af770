"""Scheduling: providers, rooms, availability, appointments, series, follow-ups and calendar feeds."""


def blueprints() -> tuple:
    """Every scheduling blueprint, for create_app to register."""
    from clinic.scheduling.admin_views import bp as admin_bp
    from clinic.scheduling.feed_views import bp as feeds_bp
    from clinic.scheduling.followup_views import bp as followups_bp
    from clinic.scheduling.portal_views import bp as portal_bp
    from clinic.scheduling.portal_waitlist_views import bp as portal_waitlist_bp
    from clinic.scheduling.staff_feed_views import bp as staff_feeds_bp
    from clinic.scheduling.views import bp as staff_bp
    from clinic.scheduling.waitlist_offer_views import bp as waitlist_offer_bp
    from clinic.scheduling.waitlist_views import bp as waitlist_bp

    return (
        staff_bp,
        followups_bp,
        admin_bp,
        portal_bp,
        feeds_bp,
        staff_feeds_bp,
        waitlist_bp,
        portal_waitlist_bp,
        waitlist_offer_bp,
    )
