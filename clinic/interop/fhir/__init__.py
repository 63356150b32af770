"""FHIR R4: the mapping (`mapping.py`, the table; `resources.py` and `clinical.py`, the builders), the streamed
record of a patient or a clinic (`record.py`), the Bundle and NDJSON writers (`bundle.py`), `$everything`
(`views.py`), `flask fhir export` (`cli.py`) and the patient's whole-record ZIP (`archive.py`, `summary.py`)."""
