using System.Globalization;
using System.Text;
using System.Text.Json;
using ModelOpt.Engine.Analysis;
using ModelOpt.Optimizer;

namespace ModelOpt.Tool.Commands;

/// <summary>
/// The text of a commented starter <c>modelopt.json</c> for one model: its inputs and heaviest layers
/// as comments (what the user is optimizing), passes that paid when tried on it, calibration pointed
/// at the samples beside the model when there are some, and budgets to switch on.
/// </summary>
internal static class StarterConfig
{
    private const int HeaviestLayers = 5;

    public static string For(AnalysisReport report, string modelName, string? samplesFolder, IEnumerable<string> availablePasses, PassSuggestion suggestion)
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
        text.AppendLine("  // Each pass below was tried on this model (in memory, on the samples at hand) and is listed only if");
        text.AppendLine("  // it cut FLOPs or size while keeping the default fidelity floor (docs/validation.md):");
        foreach (var trial in suggestion.Trials)
            text.AppendLine($"  //   {trial.Pass}: {(trial.Suggested ? "" : "not suggested, ")}{trial.Finding}");
        text.AppendLine("  // quantize (int8) needs calibration data and is skipped with a warning where int8 runs slower than float.");
        text.AppendLine($"  \"passes\": [{string.Join(", ", suggestion.Passes.Select(p => JsonSerializer.Serialize(p)))}],");
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

    private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
