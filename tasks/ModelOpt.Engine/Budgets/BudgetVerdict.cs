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
    public string Message(Config.FrontEnd frontEnd = Config.FrontEnd.CommandLine)
    {
        var d = Budget.Definition;
        string measured = Measured is double m ? Quantity.Format(m, d.Kind) : "not measured";
        string limit = $"{(d.Direction == BudgetDirection.AtMost ? "at most" : "at least")} {Quantity.Format(Budget.Limit, d.Kind)}";
        string verdict = Kept ? "kept" : "broken";
        string culprit = Culprit is null ? "" : $"; {Culprit}";
        string note = Note is null ? "" : $" ({Note})";
        return $"budget {Config.SettingNames.Budget(d, frontEnd)} {verdict}: {d.Measures} is {measured}, limit {limit}{culprit}{note}";
    }

    /// <summary>
    /// The budget, the measured value and the limit first, as build logs show a broken budget:
    /// <c>maxFlops 1.06 MFLOPs exceeds 1 KFLOPs</c>, <c>minFlopReduction 1.2x is below 2x</c>,
    /// <c>maxAccuracyDrop not measured (limit 0.5 points)</c>; in MSBuild
    /// the item metadata names it (<c>MaxFlops 1.06 MFLOPs exceeds 1 KFLOPs</c>).
    /// </summary>
    public string Headline(Config.FrontEnd frontEnd = Config.FrontEnd.CommandLine)
    {
        var d = Budget.Definition;
        string name = frontEnd == Config.FrontEnd.MSBuild ? d.MetadataName : d.Key;
        string limit = Quantity.Format(Budget.Limit, d.Kind);
        if (Measured is not double m) return $"{name} not measured (limit {limit})";
        string value = Quantity.Format(m, d.Kind);
        string relation = (d.Direction, Kept) switch
        {
            (BudgetDirection.AtMost, false) => "exceeds",
            (BudgetDirection.AtLeast, false) => "is below",
            (BudgetDirection.AtMost, true) => "is within",
            _ => "reaches",
        };
        return $"{name} {value} {relation} {limit}";
    }

    /// <summary>What the budget measures and, for a broken one, why: <c>FLOPs per run; the pass 'separable' pushed it over</c>.</summary>
    public string Detail() =>
        Budget.Definition.Measures + (Culprit is null ? "" : $"; {Culprit}") + (Note is null ? "" : $"; {Note}");
}
