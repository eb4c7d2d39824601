using System.Text.Json;
using System.Text.Json.Nodes;

namespace ModelOpt.Engine.Config;

/// <summary>
/// The <c>state</c> section of a <c>modelopt.json</c>: for a streaming model, which output feeds
/// which input on the next step (<c>{ "stateN": "state" }</c>, as <c>--state stateN=state</c>).
/// </summary>
public static class StatePairsConfig
{
    public const string Key = "state";

    public static IReadOnlyDictionary<string, string> From(JsonNode? node, string file)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node is null) return pairs;
        if (node is not JsonObject obj)
            throw OptimizeConfig.Error(file, "'state' must be an object of output names to the inputs they feed on the next step, e.g. { \"stateN\": \"state\" }.");
        foreach (var (output, value) in obj)
        {
            if (value is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
                throw OptimizeConfig.Error(file, $"'state.{output}' must be the name of the input that output feeds.");
            pairs[output] = v.GetValue<string>();
        }
        return pairs;
    }
}
