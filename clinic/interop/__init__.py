"""Data in and out of the clinic in other systems' shapes: the FHIR R4 mapping and exports (`fhir/`), the
patient's whole record, and imports from another product (`imports/`).

It sits one layer under `portal` and `api`, which both serve what it builds.
"""
