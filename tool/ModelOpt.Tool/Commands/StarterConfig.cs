using System.Globalization;
using System.Text;
using System.Text.Json;
using ModelOpt.Engine.Analysis;
using ModelOpt.Engine.IR;

namespace ModelOpt.Tool.Commands;

/// <summary>
/// The text of a commented starter <c>modelopt.json</c> for one model: its inputs and heaviest layers
/// as comments (what the user is optimizing), passes chosen from the ops it has, calibration pointed
/// at the samples beside the model when there are some, and budgets to switch on.
/// </summary>
internal static class StarterConfig
{
    private const int HeaviestLayers = 5;

    public static string For(Model model, AnalysisReport report, string modelName, string? samplesFolder, IEnumerable<string> availablePasses)
    {
        var text = new StringBuilder();
        text.AppendLine($"// ModelOpt configuration for {modelName}, written by `dotnet model-opt init`.");
        text.AppendLine("// Format: docs/config.md. Comments and trailing commas are allowed.");
        text.AppendLine("//");
        text.AppendLine("// Inputs (bind dynamic dimensions with --shape NAME=1x3x224x224, or the OnnxModel Shape metadata):");
        foreach (var input in report.Inputs) text.AppendLine($"//   {input.Name}: {input.Type}[{input.Shape}]");
        text.AppendLine("//");
        text.AppendLine($"// Heaviest layers ({Count(report.Totals.Flops)} FLOPs in all):");
        foreach (var node in report.Nodes.Where(n => n.Flops is > 0).OrderByDescending(n => n.Flops).Take(HeaviestLayers))
        {
            double share = report.Totals.Flops > 0 ? 100.0 * node.Flops!.Value / report.Totals.Flops : 0;
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"//   {node.Name} ({node.OpType}): {Count(node.Flops!.Value)} FLOPs, {share:0.0}%, {Count(node.Parameters)} parameters"));
        }
        text.AppendLine("{");
        text.AppendLine($"  // Run in this order. Available: {string.Join(", ", availablePasses)}.");
        text.AppendLine($"  \"passes\": [{string.Join(", ", SuggestedPasses(model).Select(p => JsonSerializer.Serialize(p)))}],");
        text.AppendLine();
        text.AppendLine("  // Samples for passes that calibrate (.npy or .pb tensors per input); without data ModelOpt uses");
        text.AppendLine("  // seeded synthetic samples, which calibrate far worse than real ones.");
        text.AppendLine("  \"calibration\": {");
        if (samplesFolder is not null) text.AppendLine($"    \"data\": {JsonSerializer.Serialize(samplesFolder)},");
        else text.AppendLine("    // \"data\": \"calib/\",");
        text.AppendLine("    \"samples\": 64,");
        text.AppendLine("  },");
        text.AppendLine();
        text.AppendLine("  // Budgets: a broken budget fails `dotnet build` and `dotnet model-opt check` (MOPT4001). Uncomment to enforce.");
        text.AppendLine("  \"budgets\": {");
        text.AppendLine("    // \"maxAccuracyDrop\": 0.5,      // percentage points, needs labels");
        text.AppendLine("    // \"minCosine\": 0.999,          // outputs of the optimized model against the original");
        text.AppendLine("    // \"minFlopReduction\": 1.5,     // original FLOPs / optimized FLOPs");
        text.AppendLine("  },");
        text.AppendLine("}");
        return text.ToString();
    }

    // freeze is always safe; separable only pays on spatial convolutions, so suggest it only when there are some.
    private static IEnumerable<string> SuggestedPasses(Model model)
    {
        yield return "freeze";
        if (model.Graph.AllNodes().Any(n => n.OpType == "Conv" && n.GetInts("kernel_shape") is { } k && k.Any(d => d > 1)))
            yield return "separable";
    }

    private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
