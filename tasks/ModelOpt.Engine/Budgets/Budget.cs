namespace ModelOpt.Engine.Budgets;

/// <summary>One limit the optimized model must keep, and where it was given (for messages).</summary>
public sealed record Budget(BudgetDefinition Definition, double Limit, string Source)
{
    public bool IsKeptBy(double measured) => Definition.Direction == BudgetDirection.AtMost
        ? measured <= Limit
        : measured >= Limit;

    /// <summary>E.g. <c>maxFlops ≤ 500 KFLOPs</c>.</summary>
    public string Describe() =>
        $"{Definition.Key} {(Definition.Direction == BudgetDirection.AtMost ? "≤" : "≥")} {Quantity.Format(Limit, Definition.Kind)}";
}
