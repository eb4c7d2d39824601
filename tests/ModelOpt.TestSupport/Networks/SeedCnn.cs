using ModelOpt.Engine.IR;

namespace ModelOpt.TestSupport.Networks;

/// <summary>
/// The seed article's CNN: 1×1×28×28 → Conv 5@3×3 → ReLU → Conv 5@3×3 → ReLU → Flatten →
/// Gemm 128 (transB = 1) → ReLU → Gemm 10, no padding, random weights.
/// </summary>
public static class SeedCnn
{
    public static Model Create(int seed = 28)
    {
        var b = new NetworkBuilder(seed);
        var x = b.Input("input", 1, 1, 28, 28);
        x = b.Relu(b.Conv(x, 1, 5, 3, bias: true, name: "conv1"));
        x = b.Relu(b.Conv(x, 5, 5, 3, bias: true, name: "conv2"));
        x = b.Flatten(x);
        x = b.Relu(b.Linear(x, 5 * 24 * 24, 128, "fc1"));
        return b.Finish(b.Linear(x, 128, 10, "fc2"), 1, 10);
    }
}
