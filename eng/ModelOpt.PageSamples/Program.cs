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
/// With <c>--lines [--per-page 1]</c> it writes text-line segments instead (<see cref="TextLines"/>),
/// <c>count</c> of them, at most <c>per-page</c> from each page, as PP-OCR rec reads them (3×H×W,
/// padded on the right); every <c>heldout-every</c>-th page's lines are held out, so no page gives
/// lines to both parts.
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

    private sealed record Options(string Pages, string Out, TensorLayout Layout, int Count, int HeldoutEvery, int? LinesPerPage);

    private static void Run(Options o)
    {
        var pngs = Directory.GetFiles(o.Pages, "*.png").Order(StringComparer.Ordinal).ToList();
        if (pngs.Count == 0) throw new ArgumentException($"no PNG pages in {o.Pages}.");
        if (o.LinesPerPage is int perPage)
        {
            RunLines(o, pngs, perPage);
            return;
        }

        var withText = new List<(string Path, RgbImage Crop)>();
        foreach (var png in pngs)
        {
            var crop = PageTensor.Crop(PngImage.Read(png), o.Layout.Width, o.Layout.Height);
            if (PageTensor.InkFraction(crop) >= MinInk) withText.Add((png, crop));
        }
        if (withText.Count < o.Count)
            throw new ArgumentException($"only {withText.Count} of {pngs.Count} pages have text in a {o.Layout.Width}x{o.Layout.Height} window; {o.Count} were asked for.");

        string staging = Staging(o.Out);
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
        Publish(staging, o.Out, manifest);
        int heldout = o.Count / o.HeldoutEvery;
        Console.WriteLine($"{o.Out}: {o.Count - heldout} calibration + {heldout} held-out samples of 3x{o.Layout.Height}x{o.Layout.Width}");
    }

    private static void RunLines(Options o, List<string> pngs, int perPage)
    {
        // The input's aspect, widened by the quarter-height margin RecInput adds on each side.
        double maxAspect = 1.5 * o.Layout.Width / o.Layout.Height - 0.5;
        string staging = Staging(o.Out);
        var manifest = new List<string>();
        long[] shape = [3, o.Layout.Height, o.Layout.Width];
        int written = 0, heldout = 0;
        for (int p = 0; p < pngs.Count && written < o.Count; p++)
        {
            var page = PngImage.Read(pngs[p]);
            var boxes = TextLines.Find(page, maxAspect).ToList();
            if (boxes.Count == 0) continue;
            bool held = p % o.HeldoutEvery == o.HeldoutEvery - 1;
            string part = held ? "heldout" : "calibration";
            int take = Math.Min(perPage, boxes.Count);
            for (int k = 0; k < take && written < o.Count; k++)
            {
                // The middle of each share: the first box of a page is its running head, the same on every page.
                var box = boxes[(int)((2L * k + 1) * boxes.Count / (2 * take))];
                string name = $"{written:D4}-{Path.GetFileNameWithoutExtension(pngs[p])}.npy";
                NpyFile.Write(Path.Combine(staging, part, name), shape, TextLines.RecInput(page, box, o.Layout.Height, o.Layout.Width));
                manifest.Add($"{part}/{name}\t{Path.GetFileName(pngs[p])}\t{box.X},{box.Y},{box.Width},{box.Height}");
                written++;
                if (held) heldout++;
            }
        }
        if (written < o.Count) throw new ArgumentException($"only {written} text lines found in {pngs.Count} pages; {o.Count} were asked for.");
        manifest.Insert(0, $"# {written} text lines (at most {perPage} a page) from {pngs.Count} pages; 3x{o.Layout.Height}x{o.Layout.Width}, BGR, (x/255 - 0.5)/0.5, zero-padded right");
        Publish(staging, o.Out, manifest);
        Console.WriteLine($"{o.Out}: {written - heldout} calibration + {heldout} held-out text lines of 3x{o.Layout.Height}x{o.Layout.Width}");
    }

    // Built beside the destination and renamed at the end, so an interrupted run never leaves a
    // half-filled set that a later run would take as complete.
    private static string Staging(string output)
    {
        string staging = output.TrimEnd('/') + ".tmp";
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        Directory.CreateDirectory(Path.Combine(staging, "calibration"));
        Directory.CreateDirectory(Path.Combine(staging, "heldout"));
        return staging;
    }

    private static void Publish(string staging, string output, List<string> manifest)
    {
        File.WriteAllLines(Path.Combine(staging, "manifest.txt"), manifest);
        if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        Directory.Move(staging, output);
    }

    private static Options Parse(string[] args)
    {
        string? pages = null, output = null;
        int width = 640, height = 640, count = 96, every = 3;
        float[] mean = [0.485f, 0.456f, 0.406f], std = [0.229f, 0.224f, 0.225f];
        bool bgr = true;
        int? linesPerPage = null;
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
                case "--lines": linesPerPage ??= 1; break;
                case "--per-page": linesPerPage = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--order": bgr = Next() switch { "bgr" => true, "rgb" => false, var v => throw new ArgumentException($"--order takes bgr or rgb, not '{v}'.") }; break;
                default: throw new ArgumentException($"unknown option '{args[i]}'.");
            }
        }
        if (pages is null || output is null) throw new ArgumentException("--pages DIR and --out DIR are required.");
        if (width < 1 || height < 1 || count < 1 || every < 2) throw new ArgumentException("--width, --height and --count must be positive, --heldout-every at least 2.");
        if (mean.Length != 3 || std.Length != 3 || std.Any(s => s <= 0)) throw new ArgumentException("--mean and --std take three numbers each (std positive).");
        if (linesPerPage is < 1) throw new ArgumentException("--per-page must be positive.");
        return new Options(pages, output, new TensorLayout(width, height, mean, std, bgr), count, every, linesPerPage);
    }

    private static float[] Floats(string csv) => csv.Split(',').Select(s => float.Parse(s, CultureInfo.InvariantCulture)).ToArray();

    private static string Join(float[] values) => string.Join(",", values.Select(v => v.ToString(CultureInfo.InvariantCulture)));
}
