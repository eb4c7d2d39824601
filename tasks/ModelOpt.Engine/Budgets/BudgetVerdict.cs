namespace ModelOpt.Engine.Budgets;

/// <summary>
/// One budget checked against the optimized model: the measured value (null when it could not be
/// measured), whether it is kept, and for a broken one the pass that pushed it over when known.
/// </summary>
public sealed record BudgetVerdict(Budget Budget, double? Measured, bool Kept, string? Culprit = null, string? Note = null)
{
    /// <summary>
    /// The line printed for a broken budget, e.g. <c>budget maxFlops (--max-flops) broken: measured
    /// 1.06 MFLOPs, limit 1 KFLOPs; the pass 'separable' pushed it over</c>.
    /// </summary>
    public string Message()
    {
        var d = Budget.Definition;
        string measured = Measured is double m ? Quantity.Format(m, d.Kind) : "not measured";
        string limit = $"{(d.Direction == BudgetDirection.AtMost ? "at most" : "at least")} {Quantity.Format(Budget.Limit, d.Kind)}";
        string verdict = Kept ? "kept" : "broken";
        string culprit = Culprit is null ? "" : $"; {Culprit}";
        string note = Note is null ? "" : $" ({Note})";
        return $"budget {d.Key} ({d.Option}) {verdict}: {d.Measures} is {measured}, limit {limit}{culprit}{note}";
    }
}
