using System.Runtime.InteropServices;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Bench;

/// <summary>
/// A large, valid model for I/O benchmarks: a stack of MatMul + Add + Relu layers and a Gemm head
/// with random float32 weights, about as big as asked.
/// </summary>
internal static class BigModelGenerator
{
    private const int Width = 1024;

    /// <summary>Returns <paramref name="path"/>, generating it first unless a file of about the right size is there.</summary>
    public static string Ensure(string path, int sizeMb)
    {
        long target = sizeMb * 1024L * 1024L;
        if (File.Exists(path) && Math.Abs(new FileInfo(path).Length - target) < target / 10) return path;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Console.WriteLine($"generating {path} (~{sizeMb} MB)…");
        ModelWriter.Save(Build(target), path, new SaveOptions { ExternalData = ExternalDataMode.Never });
        return path;
    }

    private static Model Build(long targetBytes)
    {
        long layerBytes = (long)Width * Width * sizeof(float);
        int layers = (int)Math.Max(1, targetBytes / layerBytes);
        var random = new Random(42);
        var model = Model.Create(opset: 17, producer: "ModelOpt.Bench");
        var g = model.Graph;
        Value current = g.AddInput("x", DataType.Float, [null, Width], ["batch"]);
        for (int i = 0; i < layers - 1; i++)
        {
            var w = g.AddInitializer(Tensor.FromFloats($"layer{i}.weight", [Width, Width], RandomWeights(random, Width * Width)));
            var b = g.AddInitializer(Tensor.FromFloats($"layer{i}.bias", [Width], RandomWeights(random, Width)));
            var matmul = g.CreateNode("MatMul", [current, w], name: $"layer{i}.matmul");
            var add = g.CreateNode("Add", [matmul.Output(), b], name: $"layer{i}.add");
            current = g.CreateNode("Relu", [add.Output()], name: $"layer{i}.relu").Output();
        }
        var headW = g.AddInitializer(Tensor.FromFloats("head.weight", [Width, Width], RandomWeights(random, Width * Width)));
        var head = g.CreateNode("Gemm", [current, headW], name: "head");
        head.SetInt("transB", 1);
        var y = head.Output();
        y.ElementType = DataType.Float;
        y.Shape = new TensorShape([Dim.Unknown("batch"), Dim.Of(Width)]);
        g.AddOutput(y);
        return model;
    }

    private static float[] RandomWeights(Random random, int count)
    {
        // Random bits would include NaNs; scaled uniform values are what a real layer holds.
        var values = new float[count];
        var bytes = MemoryMarshal.AsBytes(values.AsSpan());
        random.NextBytes(bytes);
        var bits = MemoryMarshal.Cast<float, uint>(values.AsSpan());
        for (int i = 0; i < bits.Length; i++) bits[i] = (bits[i] & 0x807F_FFFFu) | 0x3C00_0000u; // |v| in [2^-7, 2^-6)
        return values;
    }
}
