namespace ModelOpt.Engine.Budgets;

/// <summary>One limit the optimized model must keep, and where it was given (for messages).</summary>
public sealed record Budget(BudgetDefinition Definition, double Limit, string Source)
{
    public bool IsKeptBy(double measured) => IsKeptBy(measured, Limit);

    /// <summary>Whether <paramref name="value"/> keeps <paramref name="limit"/> in this budget's direction.</summary>
    public bool IsKeptBy(double value, double limit) => Definition.Direction == BudgetDirection.AtMost
        ? value <= limit
        : value >= limit;

    /// <summary>E.g. <c>maxFlops ≤ 500 KFLOPs</c>.</summary>
    public string Describe() =>
        $"{Definition.Key} {(Definition.Direction == BudgetDirection.AtMost ? "≤" : "≥")} {Quantity.Format(Limit, Definition.Kind)}";
}
