namespace ModelOpt.Engine.Opsets;

/// <summary>
/// What raising a model's default-domain opset did: from and to which opset, how many nodes of
/// each op were rewritten, or the first node no conversion here can carry over (then the model
/// was left untouched).
/// </summary>
public sealed record OpsetConversion(long From, long To, IReadOnlyDictionary<string, int> Rewritten, string? Refusal)
{
    public bool Succeeded => Refusal is null;

    /// <summary>Whether the opset was actually raised (false when it already was at least the target).</summary>
    public bool Raised => Succeeded && To > From;

    /// <summary>One line for notes: <c>opset 8 raised to 13 (rewritten: 2 Upsample, 1 Softmax)</c>.</summary>
    public string Describe() => Refusal is { } why
        ? why
        : $"opset {From} raised to {To}{(Rewritten.Count == 0 ? " (no node needed rewriting)" : $" (rewritten: {string.Join(", ", Rewritten.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Value} {p.Key}"))})")}";
}
