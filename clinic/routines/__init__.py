"""At-home routines: steps, procedure-driven pauses, adherence and the patient's "today" page."""
