using System.Text.Json;
using System.Text.Json.Nodes;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Config;

/// <summary>
/// What the user says each output is (<c>--output-kinds boxes=regression</c>, <c>"outputKinds": {
/// "boxes": "regression" }</c> in modelopt.json, <c>OutputKinds="boxes=regression"</c> in MSBuild);
/// an output not named is taken for what its shape and values say (docs/validation.md).
/// </summary>
public sealed record OutputKinds(IReadOnlyDictionary<string, OutputKind> Given)
{
    public const string Key = "outputKinds";

    public static OutputKinds None { get; } = new(new Dictionary<string, OutputKind>());

    public bool IsEmpty => Given.Count == 0;

    public OutputKind? For(string output) => Given.TryGetValue(output, out var kind) ? kind : null;

    /// <summary>The kinds' names as the user writes them.</summary>
    public static string Names => string.Join(", ", Enum.GetValues<OutputKind>().Select(Name));

    public static string Name(OutputKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>Entries <c>NAME=KIND</c> as a command line or metadata gives them; each may hold several, separated by commas.</summary>
    public static OutputKinds Parse(IEnumerable<string> entries, string? source = null, string? file = null)
    {
        source ??= OptionNames.OutputKinds.Name;
        var given = new Dictionary<string, OutputKind>(StringComparer.Ordinal);
        foreach (var entry in entries.SelectMany(e => e.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            int eq = entry.IndexOf('=');
            if (eq <= 0 || eq == entry.Length - 1)
                throw new ModelOptException(ErrorCode.InvalidArgument, file, $"{source} '{entry}' must be OUTPUT=KIND, with KIND one of {Names}.");
            given[entry[..eq].Trim()] = ParseKind(entry[(eq + 1)..].Trim())
                ?? throw new ModelOptException(ErrorCode.InvalidArgument, file, $"{source} '{entry}': unknown output kind '{entry[(eq + 1)..].Trim()}'; known kinds: {Names}.");
        }
        return new OutputKinds(given);
    }

    /// <summary>The config's <c>outputKinds</c> object.</summary>
    public static OutputKinds FromConfig(JsonNode? node, string file)
    {
        if (node is null) return None;
        if (node is not JsonObject obj)
            throw OptimizeConfig.Error(file, $"'{Key}' must be an object of output names to kinds ({Names}), e.g. {{ \"boxes\": \"regression\" }}.");
        var given = new Dictionary<string, OutputKind>(StringComparer.Ordinal);
        foreach (var (output, value) in obj)
        {
            if (value is not JsonValue v || v.GetValueKind() != JsonValueKind.String || ParseKind(v.GetValue<string>()) is not OutputKind kind)
                throw OptimizeConfig.Error(file, $"'{Key}.{output}' must be one of {Names}.");
            given[output] = kind;
        }
        return new OutputKinds(given);
    }

    /// <summary>These kinds, with the ones <paramref name="overrides"/> names replacing them (the command line's over the config's).</summary>
    public OutputKinds With(OutputKinds overrides)
    {
        var merged = new Dictionary<string, OutputKind>(Given, StringComparer.Ordinal);
        foreach (var (name, kind) in overrides.Given) merged[name] = kind;
        return new OutputKinds(merged);
    }

    /// <summary>Throws MOPT2023 naming each output the model does not have.</summary>
    public void CheckAgainst(Model model, string? file = null)
    {
        var outputs = model.Graph.Outputs.Select(o => o.Name).ToList();
        var missing = Given.Keys.Where(n => !outputs.Contains(n, StringComparer.Ordinal)).ToList();
        if (missing.Count == 0) return;
        throw new ModelOptException(ErrorCode.UnknownOutputName, file ?? model.SourcePath,
            $"the output kind(s) given for {string.Join(", ", missing.Select(m => $"'{m}'"))} name no output of the model; its outputs are: {string.Join(", ", outputs)}.{DidYouMean.Sentence(missing[0], outputs)}");
    }

    private static OutputKind? ParseKind(string text) => text.ToLowerInvariant() switch
    {
        "classes" => OutputKind.Classes,
        "mask" => OutputKind.Mask,
        "features" => OutputKind.Features,
        "regression" => OutputKind.Regression,
        _ => null,
    };
}
