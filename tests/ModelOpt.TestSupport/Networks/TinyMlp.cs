using ModelOpt.Engine.Data;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;

namespace ModelOpt.TestSupport.Networks;

/// <summary>
/// Two fully connected layers (x [1, 64] → 64 → Relu → 10 logits): small enough that a search of
/// its ranks runs in seconds, large enough that the search has layers to try.
/// </summary>
public static class TinyMlp
{
    public const int Features = 64, Hidden = 64, Classes = 10;

    public static Model Create(int seed = 7)
    {
        var b = new NetworkBuilder(seed);
        var x = b.Input("x", 1, Features);
        var hidden = b.Relu(b.Linear(x, Features, Hidden, name: "fc1"));
        return b.Finish(b.Linear(hidden, Hidden, Classes, name: "fc2"), 1, Classes);
    }

    public static string Write(string path)
    {
        ModelWriter.Save(Create(), path);
        return path;
    }

    /// <summary>Writes <paramref name="count"/> seeded samples, one <c>NNN.npy</c> [1, 64] each, into <paramref name="folder"/>.</summary>
    public static string WriteSamples(string folder, int count = 40, int seed = 9)
    {
        Directory.CreateDirectory(folder);
        var random = new Random(seed);
        for (int i = 0; i < count; i++)
            NpyFile.Write(Path.Combine(folder, $"{i:D3}.npy"), [1, Features], Enumerable.Range(0, Features).Select(_ => random.NextSingle() * 2 - 1).ToArray());
        return folder;
    }
}
