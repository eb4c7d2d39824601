using ModelOpt.Engine.IR;

namespace ModelOpt.SeedTrainer;

/// <summary>The seed CNN (testassets/models/seed-cnn.onnx): two 3×3 convs and two dense layers, see <see cref="SeedCnnShape"/>.</summary>
internal sealed class SeedCnnNetwork : IDigitNetwork<SeedCnnParameters>
{
    public string Name => "seed-cnn";

    public IReadOnlyList<(string Layer, long Flops)> Flops => SeedCnnShape.Flops;

    public SeedCnnParameters Initialize(Random rng) => SeedCnnParameters.Initialize(rng);

    public IDigitWorkspace<SeedCnnParameters> CreateWorkspace() => new SeedCnnWorkspace();

    public Model ToModel(SeedCnnParameters parameters) => SeedCnnExport.ToModel(parameters);
}
