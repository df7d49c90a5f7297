"""What the product declares, apart from how it is executed (pandera's `api/` vs `backends/`).

Leaf modules: KPI definitions (`kpis`), norms and the status rule (`norms`), the target indexes
(`target`) and the escalation ladder and its rules (`escalation`). They import no database and
no storage; the modules that run them against the database (`impactmonitor.kpis`, `.norms`,
`.target`, `.escalation`) import them. tests/test_layout.py holds both to it.
"""
