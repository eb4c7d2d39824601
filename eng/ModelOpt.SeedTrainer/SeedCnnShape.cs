namespace ModelOpt.SeedTrainer;

/// <summary>
/// The seed architecture's sizes: 1×28×28 → Conv(5, 3×3) → ReLU → Conv(5, 3×3) → ReLU → Flatten
/// → Gemm(128) → ReLU → Gemm(10). The project's tests and docs quote the FLOPs these give.
/// </summary>
internal static class SeedCnnShape
{
    public const int Kernel = 3;
    public const int InputSide = MnistDigits.Side;       // 28
    public const int Conv1Channels = 5;
    public const int Conv1Side = InputSide - Kernel + 1;  // 26
    public const int Conv1Taps = 1 * Kernel * Kernel;     // 9 weights per output channel
    public const int Conv2Channels = 5;
    public const int Conv2Side = Conv1Side - Kernel + 1;  // 24
    public const int Conv2Taps = Conv1Channels * Kernel * Kernel; // 45
    public const int Conv1Pixels = Conv1Side * Conv1Side; // 676
    public const int Conv2Pixels = Conv2Side * Conv2Side; // 576
    public const int Flattened = Conv2Channels * Conv2Pixels; // 2880
    public const int Hidden = 128;
    public const int Classes = 10;

    /// <summary>Multiply-adds ×2 per layer, as ModelOpt's cost model counts them.</summary>
    public static (string Layer, long Flops)[] Flops =>
    [
        ("conv1", 2L * Conv1Channels * Conv1Taps * Conv1Pixels),
        ("conv2", 2L * Conv2Channels * Conv2Taps * Conv2Pixels),
        ("fc1", 2L * Flattened * Hidden),
        ("fc2", 2L * Hidden * Classes),
    ];
}
