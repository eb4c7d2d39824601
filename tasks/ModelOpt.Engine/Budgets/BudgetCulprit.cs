namespace ModelOpt.Engine.Budgets;

/// <summary>
/// Finds which pass pushed a broken budget over, from the figure measured on the original model and
/// after each pass: the first pass after which the figure breaks the limit and never recovers.
/// </summary>
public static class BudgetCulprit
{
    public static string? Find(Budget budget, double? original, IReadOnlyList<(string Pass, double? After)> steps)
    {
        if (original is double o && !budget.IsKeptBy(o)) return "the original model already breaks it";
        string? culprit = null;
        foreach (var (pass, after) in steps)
        {
            if (after is not double a) return null;
            bool kept = budget.IsKeptBy(a);
            if (!kept && culprit is null) culprit = pass;
            else if (kept) culprit = null;
        }
        return culprit is null ? null : $"the pass '{culprit}' pushed it over";
    }
}
