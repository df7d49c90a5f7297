"""Domain package: storage, quarters, translations (and later KPIs, norms, escalation, access).

Nothing in here imports Streamlit, so all of it is testable with plain pytest.
"""
