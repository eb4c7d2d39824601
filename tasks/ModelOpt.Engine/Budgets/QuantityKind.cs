namespace ModelOpt.Engine.Budgets;

/// <summary>What a budget's number measures, which decides the units its value may carry.</summary>
public enum QuantityKind
{
    /// <summary>Percentage points of accuracy: <c>0.5</c>, <c>0.5pt</c>, <c>0.5%</c>.</summary>
    Points,

    /// <summary>A fraction in [0, 1]: <c>0.99</c> or <c>99%</c>.</summary>
    Fraction,

    /// <summary>Floating-point operations: <c>1200000</c>, <c>1.2M</c>, <c>1.2GFLOPs</c>.</summary>
    Flops,

    /// <summary>A count: <c>500000</c>, <c>500K</c>, <c>1.5M</c>.</summary>
    Count,

    /// <summary>Bytes: <c>5000000</c>, <c>5MB</c> (10⁶), <c>5MiB</c> (2²⁰).</summary>
    Bytes,

    /// <summary>A ratio: <c>2</c> or <c>2x</c>.</summary>
    Ratio,

    /// <summary>Milliseconds: <c>5</c>, <c>5ms</c>, <c>0.005s</c>, <c>500us</c>.</summary>
    Milliseconds,
}
