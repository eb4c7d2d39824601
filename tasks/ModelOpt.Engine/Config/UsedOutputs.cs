using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Passes;

namespace ModelOpt.Engine.Config;

/// <summary>
/// The outputs the application reads (<c>--used-outputs</c>, <c>usedOutputs</c> in modelopt.json,
/// <c>UsedOutputs</c> in MSBuild). A model exported for training often returns more than the
/// application reads (a segmentation net's side masks and stage features, a detector's auxiliary
/// heads): the others are removed from the optimized model with every node only they need, and
/// nothing judges them, so neither their cost nor their error steers what is chosen.
/// Empty: every output is read.
/// </summary>
public sealed record UsedOutputs(IReadOnlyList<string> Names)
{
    public static UsedOutputs All { get; } = new([]);

    public bool IsAll => Names.Count == 0;

    /// <summary>Names as given on a command line or in metadata: each entry may hold several, separated by commas.</summary>
    public static UsedOutputs Parse(IEnumerable<string> entries) =>
        new(entries.SelectMany(e => e.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct(StringComparer.Ordinal).ToList());

    /// <summary>These names where given (the command line's), else <paramref name="fallback"/> (the config file's).</summary>
    public UsedOutputs Over(UsedOutputs fallback) => IsAll ? fallback : this;

    /// <summary>Throws MOPT2023 naming each name the model has no output for, and the outputs it has.</summary>
    public void CheckAgainst(Model model, string? file = null)
    {
        var outputs = model.Graph.Outputs.Select(o => o.Name).ToList();
        var missing = Names.Where(n => !outputs.Contains(n, StringComparer.Ordinal)).ToList();
        if (missing.Count == 0) return;
        throw new ModelOptException(ErrorCode.UnknownOutputName, file ?? model.SourcePath,
            $"the used output(s) {string.Join(", ", missing.Select(m => $"'{m}'"))} are not outputs of the model; its outputs are: {string.Join(", ", outputs)}.{DidYouMean.Sentence(missing[0], outputs)}");
    }

    /// <summary>These names and <paramref name="others"/> (a streaming model's state outputs, which the model itself reads); all stays all.</summary>
    public UsedOutputs And(IEnumerable<string> others) => IsAll ? this : new(Names.Concat(others).Distinct(StringComparer.Ordinal).ToList());

    /// <summary>Removes the outputs not named, then every node and constant that only fed them. Returns the outputs removed.</summary>
    public IReadOnlyList<string> Apply(Model model)
    {
        if (IsAll) return [];
        CheckAgainst(model);
        var kept = new HashSet<string>(Names, StringComparer.Ordinal);
        var removed = model.Graph.Outputs.Where(o => !kept.Contains(o.Name)).ToList();
        foreach (var output in removed) model.Graph.RemoveOutput(output);
        if (removed.Count > 0) GraphCleanup.Run(model, "usedOutputs");
        return removed.Select(o => o.Name).ToList();
    }
}
