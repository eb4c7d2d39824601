using System.Globalization;

namespace ModelOpt.Engine.Budgets;

/// <summary>
/// One budget checked against the optimized model: the measured value (null when it could not be
/// measured), whether it is kept, and for a broken one the pass that pushed it over when known. An
/// output budget measured on samples carries its <see cref="Estimate"/>: it is kept when the bound
/// keeps the limit, not merely the figure.
/// </summary>
public sealed record BudgetVerdict(Budget Budget, double? Measured, bool Kept, string? Culprit = null, string? Note = null)
{
    /// <summary>The figure's bound and per-sample details, for output budgets judged on samples.</summary>
    public BudgetEstimate? Estimate { get; init; }

    /// <summary>
    /// The limit the bound was judged against when the samples cannot resolve the budget's own (the
    /// strictest limit they can vouch for); null when judged against the budget's limit.
    /// </summary>
    public double? JudgedLimit { get; init; }

    /// <summary>
    /// The line printed for a budget, e.g. <c>budget maxAccuracyDrop (--max-accuracy-drop) kept:
    /// top-1 accuracy drop in points (needs labels) is 0.45 points (95 % bound 1.1 points), limit at most 2 points</c>.
    /// </summary>
    public string Message(Config.FrontEnd frontEnd = Config.FrontEnd.CommandLine)
    {
        var d = Budget.Definition;
        string measured = Measured is double m ? Figure(m) : "not measured";
        string limit = $"{(d.Direction == BudgetDirection.AtMost ? "at most" : "at least")} {Quantity.Format(Budget.Limit, d.Kind)}{Budget.AskedNote()}";
        string verdict = Kept ? "kept" : "broken";
        string culprit = Culprit is null ? "" : $"; {Culprit}";
        string note = Note is null ? "" : $" ({Note})";
        return $"budget {Config.SettingNames.Budget(d, frontEnd)} {verdict}: {d.Measures} is {measured}, limit {limit}{Resolution()}{culprit}{note}";
    }

    /// <summary>
    /// The budget, the measured value and the limit first, as build logs show a broken budget:
    /// <c>maxFlops 1.06 MFLOPs exceeds 1 KFLOPs</c>, <c>minFlopReduction 1.2x is below 2x</c>,
    /// <c>maxAccuracyDrop 0.45 points (95 % bound 1.1 points) exceeds 1 points</c>,
    /// <c>maxAccuracyDrop not measured (limit 0.5 points)</c>; in MSBuild
    /// the item metadata names it (<c>MaxFlops 1.06 MFLOPs exceeds 1 KFLOPs</c>).
    /// </summary>
    public string Headline(Config.FrontEnd frontEnd = Config.FrontEnd.CommandLine)
    {
        var d = Budget.Definition;
        string name = frontEnd == Config.FrontEnd.MSBuild ? d.MetadataName : d.Key;
        string limit = Quantity.Format(Budget.Limit, d.Kind) + Budget.AskedNote();
        if (Measured is not double m) return $"{name} not measured (limit {limit})";
        string relation = (d.Direction, Kept) switch
        {
            (BudgetDirection.AtMost, false) => "exceeds",
            (BudgetDirection.AtLeast, false) => "is below",
            (BudgetDirection.AtMost, true) => "is within",
            _ => "reaches",
        };
        return $"{name} {Figure(m)} {relation} {limit}{Resolution()}";
    }

    /// <summary>What the budget measures and, for a broken one, why: <c>FLOPs per run; the pass 'separable' pushed it over</c>.</summary>
    public string Detail() =>
        Budget.Definition.Measures + (Culprit is null ? "" : $"; {Culprit}") + (Note is null ? "" : $"; {Note}");

    /// <summary>
    /// The figure with what stands behind it: <c>0.45 points (95 % bound 1.1 points)</c>,
    /// <c>0.933 at the worst sample 'img_017.npy' (pooled 0.995)</c>.
    /// </summary>
    public string Figure(double measured)
    {
        var kind = Budget.Definition.Kind;
        string text = Quantity.Format(measured, kind);
        if (Estimate is not { } e) return text;
        if (e.Statistic is { } statistic)
            text += $" at {statistic}" + (e.WorstSample is { } sample && e.WorstValue is null ? $" '{sample}'" : "");
        if (e.Output is { } output) text += $" of output '{output}'";
        var extra = new List<string>();
        if (e.WorstValue is double worst && e.WorstSample is { } worstSample) extra.Add($"worst sample {Quantity.Format(worst, kind)} '{worstSample}'");
        if (e.HasBound) extra.Add($"{Percent(e.Confidence)} % bound {Quantity.Format(e.Bound, kind)}");
        if (e.Pooled is double pooled) extra.Add($"pooled {Quantity.Format(pooled, kind)}");
        return extra.Count == 0 ? text : $"{text} ({string.Join(", ", extra)})";
    }

    private string Resolution() => JudgedLimit is double judged && Estimate is { } e
        ? $"; {e.Samples} samples cannot resolve that limit at {Percent(e.Confidence)} % confidence, so the bound was judged against {Quantity.Format(judged, Budget.Definition.Kind)}, the strictest they can vouch for"
        : "";

    private static string Percent(double confidence) => (confidence * 100).ToString("0.##", CultureInfo.InvariantCulture);
}
