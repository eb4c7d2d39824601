using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Passes.WeightSharing;

/// <summary>
/// <c>share-weights</c> (config key <c>shareWeights</c>): replaces each large float32 weight tensor
/// by a k-means codebook of 2^bits values and one index per element, rebuilt when the model loads by
/// Cast(indices → int64) + Gather(codebook, indices). ONNX Runtime folds that into a float32
/// constant at session start, so this is a file-size win only: latency and memory at run time are
/// those of the original. At 4 bits or fewer the indices are stored as <c>uint4</c>, which needs
/// opset 21; the pass raises the opset only when every op of the model keeps its meaning there.
/// </summary>
public sealed class ShareWeightsPass : IPass
{
    public const string PassName = "share-weights";

    /// <summary>The configuration key of this pass's settings (JSON keys are identifiers, pass names are not).</summary>
    public const string ConfigKey = "shareWeights";

    private const int KMeansSeed = 20240607;

    /// <summary>Inputs that carry learned weights, by op type.</summary>
    private static readonly Dictionary<string, int[]> WeightSlots = new(StringComparer.Ordinal)
    {
        ["Conv"] = [1], ["ConvTranspose"] = [1], ["Gemm"] = [0, 1], ["MatMul"] = [0, 1], ["Gather"] = [0],
        ["LSTM"] = [1, 2], ["GRU"] = [1, 2], ["RNN"] = [1, 2],
    };

    public string Name => PassName;

    public Type SettingsType => typeof(ShareWeightsSettings);

    public string Description => "Share weights through a k-means codebook (2^bits floats) and per-element indices; a file-size win.";

    public PassOutcome Run(Model model, PassContext context)
    {
        var graph = model.Graph;
        var candidates = new List<(Value Weight, ShareWeightsSettings Settings)>();
        foreach (var value in graph.Values.ToList())
        {
            if (!IsFloatConstant(value, out var tensor)) continue;
            var weightReaders = value.Uses.Where(u => u.InputIndex >= 0 && u.Node.Domain.Length == 0
                && WeightSlots.TryGetValue(u.Node.OpType, out var slots) && slots.Contains(u.InputIndex)).ToList();
            if (weightReaders.Count == 0 || value.Uses.Any(u => u.InputIndex < 0)) continue;
            var perReader = value.Uses.Select(u => context.SettingsFor(PassName, u.Node)).ToList();
            if (perReader.Any(s => s is null)) continue;
            var settings = context.Settings<ShareWeightsSettings>(PassName, weightReaders[0].Node)!;
            if (tensor.ElementCount < settings.MinElements) continue;
            candidates.Add((value, settings));
        }

        var notes = new List<string>();
        bool wantsPacking = candidates.Any(c => c.Settings.Bits <= 4);
        bool pack = false;
        if (wantsPacking)
        {
            if (OpsetUpgradeCheck.WhyNot(model) is { } why)
                notes.Add($"4-bit index packing refused ({why}): indices stay uint8, codebooks keep 2^bits entries");
            else
            {
                pack = true;
                long before = model.OpsetVersion() ?? 1;
                OpsetUpgradeCheck.Upgrade(model);
                if (before < OpsetUpgradeCheck.PackedIndexOpset)
                    notes.Add($"opset raised from {before} to {OpsetUpgradeCheck.PackedIndexOpset} for uint4 indices (every op checked)");
            }
        }

        long bytesBefore = 0, bytesAfter = 0;
        foreach (var (weight, settings) in candidates)
        {
            var tensor = weight.ConstantValue!;
            var values = tensor.Span<float>();
            var codebook = Codebook.Fit(values, settings.Bits, KMeansSeed);
            bool packThis = pack && settings.Bits <= 4;
            var indices = graph.AddInitializer(codebook.IndexTensor($"{weight.Name}.indices", tensor.Dims, packThis));
            var centroids = graph.AddInitializer(Tensor.FromFloats($"{weight.Name}.codebook", [codebook.Centroids.Length], codebook.Centroids));
            var firstReader = weight.Uses.Select(u => u.Node).First();
            var cast = graph.CreateNode("Cast", [indices], name: $"{weight.Name}_indices_to_int64", before: firstReader);
            cast.SetInt("to", (long)DataType.Int64);
            cast.Output(0).ElementType = DataType.Int64;
            var gather = graph.CreateNode("Gather", [centroids, cast.Output(0)], name: $"{weight.Name}_shared", before: firstReader);
            gather.SetInt("axis", 0);
            gather.Output(0).ElementType = DataType.Float;
            gather.Output(0).Shape = tensor.Shape;
            graph.ReplaceAllUses(weight, gather.Output(0));

            bytesBefore += tensor.ByteSize;
            bytesAfter += indices.Initializer!.ByteSize + centroids.Initializer!.ByteSize;
            notes.Add($"{weight.Name} [{string.Join('x', tensor.Dims)}]: {codebook.Centroids.Length} shared values, {(packThis ? "uint4" : "uint8")} indices, " +
                $"rms error {codebook.RmsError(values):G3}, {codebook.Iterations} k-means iteration(s)");
        }
        if (candidates.Count > 0)
            notes.Insert(0, $"{candidates.Count} weight tensor(s) shared: {bytesBefore:N0} → {bytesAfter:N0} bytes");
        return new PassOutcome(candidates.Count > 0, candidates.Count, notes);
    }

    private static bool IsFloatConstant(Value value, out Tensor tensor)
    {
        tensor = null!;
        if (value.IsGraphInput) return false;
        var constant = value.IsConstant ? value.Initializer : value.Producer?.ConstantOutput;
        if (constant is null || constant.DataType != DataType.Float) return false;
        tensor = constant;
        return true;
    }
}
