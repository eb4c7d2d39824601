using ModelOpt.Engine.IR;

namespace ModelOpt.TestSupport.Networks;

/// <summary>
/// MobileNetV2, width 1.0, 224×224, 1000 classes (torchvision's layout): BatchNormalization after
/// every conv, ReLU6 written as Clip(0, 6), random weights.
/// </summary>
public static class MobileNetV2
{
    public static Model Create(int seed = 2, long batch = 1)
    {
        var b = new NetworkBuilder(seed);
        var x = b.Input("input", batch, 3, 224, 224);
        x = b.Relu6(b.BatchNorm(b.Conv(x, 3, 32, 3, stride: 2, pad: 1, name: "features.0.0"), 32, "features.0.1"));

        long channels = 32;
        int block = 1;
        // (expansion t, output channels c, repeats n, first stride s)
        (long T, long C, int N, long S)[] settings = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)];
        foreach (var (t, c, n, s) in settings)
        {
            for (int i = 0; i < n; i++)
            {
                x = InvertedResidual(b, x, channels, c, i == 0 ? s : 1, t, $"features.{block++}");
                channels = c;
            }
        }
        x = b.Relu6(b.BatchNorm(b.Conv(x, channels, 1280, 1, name: "features.18.0"), 1280, "features.18.1"));
        x = b.Flatten(b.GlobalAveragePool(x));
        return b.Finish(b.Linear(x, 1280, 1000, "classifier.1"), batch, 1000);
    }

    private static Value InvertedResidual(NetworkBuilder b, Value x, long cin, long cout, long stride, long expansion, string name)
    {
        long hidden = cin * expansion;
        var y = x;
        if (expansion != 1)
            y = b.Relu6(b.BatchNorm(b.Conv(y, cin, hidden, 1, name: $"{name}.expand"), hidden, $"{name}.expand_bn"));
        y = b.Relu6(b.BatchNorm(b.Conv(y, hidden, hidden, 3, stride, 1, group: hidden, name: $"{name}.depthwise"), hidden, $"{name}.depthwise_bn"));
        y = b.BatchNorm(b.Conv(y, hidden, cout, 1, name: $"{name}.project"), cout, $"{name}.project_bn");
        return stride == 1 && cin == cout ? b.Add(y, x) : y;
    }
}
