using System.Globalization;
using ModelOpt.Engine.Data;

namespace ModelOpt.PageSamples;

/// <summary>
/// <c>ModelOpt.PageSamples --pages DIR --out DIR [--width 640 --height 640] [--count 96] [--heldout-every 3]
/// [--mean 0.485,0.456,0.406 --std 0.229,0.224,0.225] [--order bgr|rgb]</c>: picks <c>count</c> pages
/// with text evenly from the sorted PNGs in DIR, writes each as one <c>.npy</c> sample
/// (3×H×W float32) into <c>OUT/calibration/</c> or, every <c>heldout-every</c>-th, into
/// <c>OUT/heldout/</c>, and lists the choice in <c>OUT/manifest.txt</c>. The defaults are PP-OCR
/// det's preprocessing (ImageNet mean/std on BGR, as PaddleOCR reads images with OpenCV).
/// </summary>
internal static class Program
{
    // Below this share of dark pixels a window is margin, a blank page or a faint figure: it says
    // nothing about text and would only dilute calibration.
    private const double MinInk = 0.01;

    public static int Main(string[] args)
    {
        try
        {
            var options = Parse(args);
            Run(options);
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or IOException)
        {
            Console.Error.WriteLine($"page-samples: {e.Message}");
            return 2;
        }
    }

    private sealed record Options(string Pages, string Out, TensorLayout Layout, int Count, int HeldoutEvery);

    private static void Run(Options o)
    {
        var pngs = Directory.GetFiles(o.Pages, "*.png").Order(StringComparer.Ordinal).ToList();
        if (pngs.Count == 0) throw new ArgumentException($"no PNG pages in {o.Pages}.");

        var withText = new List<(string Path, RgbImage Crop)>();
        foreach (var png in pngs)
        {
            var crop = PageTensor.Crop(PngImage.Read(png), o.Layout.Width, o.Layout.Height);
            if (PageTensor.InkFraction(crop) >= MinInk) withText.Add((png, crop));
        }
        if (withText.Count < o.Count)
            throw new ArgumentException($"only {withText.Count} of {pngs.Count} pages have text in a {o.Layout.Width}x{o.Layout.Height} window; {o.Count} were asked for.");

        // Build beside the destination and rename at the end, so an interrupted run never leaves a
        // half-filled set that a later run would take as complete.
        string staging = o.Out.TrimEnd('/') + ".tmp";
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        Directory.CreateDirectory(Path.Combine(staging, "calibration"));
        Directory.CreateDirectory(Path.Combine(staging, "heldout"));
        var manifest = new List<string> { $"# {o.Count} of {withText.Count} pages with text ({pngs.Count} rendered); {o.Layout.Width}x{o.Layout.Height}, {(o.Layout.Bgr ? "BGR" : "RGB")}, mean {Join(o.Layout.Mean)}, std {Join(o.Layout.Std)}" };
        long[] shape = [3, o.Layout.Height, o.Layout.Width];
        for (int k = 0; k < o.Count; k++)
        {
            var (path, crop) = withText[(int)((long)k * withText.Count / o.Count)];
            string part = k % o.HeldoutEvery == o.HeldoutEvery - 1 ? "heldout" : "calibration";
            string name = $"{k:D3}-{Path.GetFileNameWithoutExtension(path)}.npy";
            NpyFile.Write(Path.Combine(staging, part, name), shape, PageTensor.Normalize(crop, o.Layout));
            manifest.Add($"{part}/{name}\t{Path.GetFileName(path)}");
        }
        File.WriteAllLines(Path.Combine(staging, "manifest.txt"), manifest);
        if (Directory.Exists(o.Out)) Directory.Delete(o.Out, recursive: true);
        Directory.Move(staging, o.Out);
        int heldout = o.Count / o.HeldoutEvery;
        Console.WriteLine($"{o.Out}: {o.Count - heldout} calibration + {heldout} held-out samples of 3x{o.Layout.Height}x{o.Layout.Width}");
    }

    private static Options Parse(string[] args)
    {
        string? pages = null, output = null;
        int width = 640, height = 640, count = 96, every = 3;
        float[] mean = [0.485f, 0.456f, 0.406f], std = [0.229f, 0.224f, 0.225f];
        bool bgr = true;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--pages": pages = Next(); break;
                case "--out": output = Next(); break;
                case "--width": width = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--height": height = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--count": count = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--heldout-every": every = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--mean": mean = Floats(Next()); break;
                case "--std": std = Floats(Next()); break;
                case "--order": bgr = Next() switch { "bgr" => true, "rgb" => false, var v => throw new ArgumentException($"--order takes bgr or rgb, not '{v}'.") }; break;
                default: throw new ArgumentException($"unknown option '{args[i]}'.");
            }
        }
        if (pages is null || output is null) throw new ArgumentException("--pages DIR and --out DIR are required.");
        if (width < 1 || height < 1 || count < 1 || every < 2) throw new ArgumentException("--width, --height and --count must be positive, --heldout-every at least 2.");
        if (mean.Length != 3 || std.Length != 3 || std.Any(s => s <= 0)) throw new ArgumentException("--mean and --std take three numbers each (std positive).");
        return new Options(pages, output, new TensorLayout(width, height, mean, std, bgr), count, every);
    }

    private static float[] Floats(string csv) => csv.Split(',').Select(s => float.Parse(s, CultureInfo.InvariantCulture)).ToArray();

    private static string Join(float[] values) => string.Join(",", values.Select(v => v.ToString(CultureInfo.InvariantCulture)));
}
