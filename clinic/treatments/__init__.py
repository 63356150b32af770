"""In-office treatments (issue 3).

Where things live:
- rules.py        the contraindication rules engine (pure; rows are catalog.models.ContraindicationRule)
- precheck.py     check-in: history re-confirmed, rules run, consent required, draft session opened
- services.py     the session record (ranges from limits.py, lots and stock from stock.py)
- signing.py      sign (SHA-256 of canonical JSON, conditional UPDATE), verify_signature, amendments
- windows.py      aftercare windows: `SessionAftercare` rows; `active_aftercare(patient_id, at)` for routines
- scores.py       outcome scales, MASI/mMASI; charts.py draws them as SVG
- guards.py       a signed session cannot change through any flush
"""
