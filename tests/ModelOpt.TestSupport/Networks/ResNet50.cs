using ModelOpt.Engine.IR;

namespace ModelOpt.TestSupport.Networks;

/// <summary>
/// ResNet-50 v1.5 (torchvision's: the stride of a downsampling bottleneck sits on its 3×3 conv),
/// 224×224 input, 1000 classes, BatchNormalization after every conv (not folded), random weights.
/// </summary>
public static class ResNet50
{
    public static Model Create(int seed = 50, long batch = 1)
    {
        var b = new NetworkBuilder(seed);
        var x = b.Input("input", batch, 3, 224, 224);
        x = b.Relu(b.BatchNorm(b.Conv(x, 3, 64, 7, stride: 2, pad: 3, name: "conv1"), 64, "bn1"));
        x = b.MaxPool(x, 3, 2, 1);

        long channels = 64;
        (int Blocks, long Width)[] stages = [(3, 64), (4, 128), (6, 256), (3, 512)];
        for (int s = 0; s < stages.Length; s++)
        {
            for (int i = 0; i < stages[s].Blocks; i++)
            {
                long stride = s > 0 && i == 0 ? 2 : 1;
                x = Bottleneck(b, x, channels, stages[s].Width, stride, $"layer{s + 1}.{i}");
                channels = stages[s].Width * 4;
            }
        }
        x = b.Flatten(b.GlobalAveragePool(x));
        return b.Finish(b.Linear(x, 2048, 1000), batch, 1000);
    }

    private static Value Bottleneck(NetworkBuilder b, Value x, long cin, long width, long stride, string name)
    {
        long cout = width * 4;
        var y = b.Relu(b.BatchNorm(b.Conv(x, cin, width, 1, name: $"{name}.conv1"), width, $"{name}.bn1"));
        y = b.Relu(b.BatchNorm(b.Conv(y, width, width, 3, stride, 1, name: $"{name}.conv2"), width, $"{name}.bn2"));
        y = b.BatchNorm(b.Conv(y, width, cout, 1, name: $"{name}.conv3"), cout, $"{name}.bn3");
        var shortcut = stride != 1 || cin != cout
            ? b.BatchNorm(b.Conv(x, cin, cout, 1, stride, name: $"{name}.downsample.0"), cout, $"{name}.downsample.1")
            : x;
        return b.Relu(b.Add(y, shortcut));
    }
}
