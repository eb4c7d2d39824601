namespace ModelOpt.SeedTrainer;

/// <summary>
/// LeNet-5's sizes (LeCun et al. 1998, with ReLU and max pooling as is usual today): 1×28×28 →
/// Conv(6, 5×5, pad 2) → ReLU → MaxPool 2×2 → Conv(16, 5×5) → ReLU → MaxPool 2×2 → Flatten (400)
/// → Gemm(120) → ReLU → Gemm(84) → ReLU → Gemm(10). The pad of 2 on conv1 stands for the paper's
/// 32×32 input (MNIST's 28×28 digits centred in a blank border): every later size is the paper's.
/// </summary>
internal static class LeNet5Shape
{
    public const int Kernel = 5;
    public const int InputSide = MnistDigits.Side;            // 28
    public const int Conv1Pad = 2;
    public const int Conv1Channels = 6;
    public const int Conv1Side = InputSide;                    // 28 (padded)
    public const int Conv1Taps = 1 * Kernel * Kernel;          // 25
    public const int Conv1Pixels = Conv1Side * Conv1Side;      // 784
    public const int Pool1Side = Conv1Side / 2;                // 14
    public const int Conv2Channels = 16;
    public const int Conv2Side = Pool1Side - Kernel + 1;       // 10
    public const int Conv2Taps = Conv1Channels * Kernel * Kernel; // 150
    public const int Conv2Pixels = Conv2Side * Conv2Side;      // 100
    public const int Pool2Side = Conv2Side / 2;                // 5
    public const int Flattened = Conv2Channels * Pool2Side * Pool2Side; // 400
    public const int Hidden1 = 120;
    public const int Hidden2 = 84;
    public const int Classes = 10;

    /// <summary>Multiply-adds ×2 per layer, as ModelOpt's cost model counts them (pooling and ReLU not listed).</summary>
    public static (string Layer, long Flops)[] Flops =>
    [
        ("conv1", 2L * Conv1Channels * Conv1Taps * Conv1Pixels),
        ("conv2", 2L * Conv2Channels * Conv2Taps * Conv2Pixels),
        ("fc1", 2L * Flattened * Hidden1),
        ("fc2", 2L * Hidden1 * Hidden2),
        ("fc3", 2L * Hidden2 * Classes),
    ];
}
