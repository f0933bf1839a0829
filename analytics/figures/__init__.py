"""Figures over the stored stocks: months, quarters and years, coverage, projections, budgets, evaluation, scorecard,
arrears and completeness."""
