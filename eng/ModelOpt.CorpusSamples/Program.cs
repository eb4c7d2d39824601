using System.Globalization;
using ModelOpt.Engine.Data;
using ModelOpt.Engine.IO;

namespace ModelOpt.CorpusSamples;

/// <summary>
/// The sample maker of eng/fetch-corpus.sh, one command per kind of input:
/// <list type="bullet">
/// <item><c>images --list FILE --layout nchw|nhwc --order rgb|bgr [--scale S] [--offset O]
/// [--extra-channel V] [--mean-image MODEL.onnx:INITIALIZER]</c>: each line of FILE is
/// <c>IN.ppm OUT.npy</c>; writes one float32 tensor of batch one per image (value = pixel × S + O,
/// minus the mean image where given);</item>
/// <item><c>sentences --vocab vocab.txt --out DIR --count N --length L [--min-words 6] [--max-words 40] TEXT...</c>:
/// N sentences, one of each text in turn, each as <c>DIR/NNN/{input_ids,attention_mask,token_type_ids}.npy</c>
/// (int64 [1, L]: [CLS] pieces [SEP], zero-padded, truncated to fit), and the sentences, one a line, on standard output;</item>
/// <item><c>resources --assembly DLL --out DIR --take SUFFIX[,SUFFIX…]</c>: the embedded resources whose
/// names end so, written as <c>DIR/SUFFIX</c>.</item>
/// </list>
/// Exit 2 with one line on stderr for bad arguments or input.
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        try
        {
            if (args.Length == 0) throw new ArgumentException("a command is required: images, sentences or resources.");
            var options = Options.Parse(args.AsSpan(1));
            switch (args[0])
            {
                case "images": Images(options); break;
                case "sentences": SentenceSamples(options); break;
                case "resources": Resources(options); break;
                default: throw new ArgumentException($"unknown command '{args[0]}' (images, sentences, resources).");
            }
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or IOException or FormatException or KeyNotFoundException)
        {
            Console.Error.WriteLine($"corpus-samples: {e.Message}");
            return 2;
        }
    }

    private static void Images(Options o)
    {
        float[]? mean = null;
        if (o.Get("--mean-image") is { } meanSpec)
        {
            int colon = meanSpec.LastIndexOf(':');
            if (colon < 0) throw new ArgumentException("--mean-image takes MODEL.onnx:INITIALIZER.");
            var model = ModelLoader.Load(meanSpec[..colon]);
            var init = model.Graph.Initializers.FirstOrDefault(v => v.Name == meanSpec[(colon + 1)..])
                ?? throw new ArgumentException($"{meanSpec[..colon]} has no initializer '{meanSpec[(colon + 1)..]}'.");
            mean = init.Initializer!.ToFloats();
        }
        var layout = new ImageLayout(
            o.Require("--layout") switch { "nhwc" => true, "nchw" => false, var v => throw new ArgumentException($"--layout takes nchw or nhwc, not '{v}'.") },
            o.Require("--order") switch { "bgr" => true, "rgb" => false, var v => throw new ArgumentException($"--order takes rgb or bgr, not '{v}'.") },
            o.Float("--scale") ?? 1f, o.Float("--offset") ?? 0f, o.Float("--extra-channel"), mean);
        int count = 0;
        foreach (string line in File.ReadLines(o.Require("--list")))
        {
            if (line.Length == 0) continue;
            string[] parts = line.Split(' ', 2);
            if (parts.Length != 2) throw new ArgumentException($"list line '{line}' is not 'IN.ppm OUT.npy'.");
            var (shape, data) = layout.ToTensor(PnmImage.Read(parts[0]));
            NpyFile.Write(parts[1], shape, data);
            count++;
        }
        Console.Error.WriteLine($"corpus-samples: {count} image samples");
    }

    private static void SentenceSamples(Options o)
    {
        var vocab = new WordPiece(o.Require("--vocab"));
        string outDir = o.Require("--out");
        int count = o.Int("--count") ?? throw new ArgumentException("--count is required.");
        int length = o.Int("--length") ?? throw new ArgumentException("--length is required.");
        int minWords = o.Int("--min-words") ?? 6, maxWords = o.Int("--max-words") ?? 40;
        if (count < 1 || length < 3) throw new ArgumentException("--count must be positive and --length at least 3.");
        var sentences = Sentences.RoundRobin(o.Positional.Select(t => Sentences.From(t, minWords, maxWords))).Distinct().Take(count).ToList();
        if (sentences.Count < count) throw new InvalidDataException($"only {sentences.Count} sentences of {minWords}-{maxWords} words in {string.Join(", ", o.Positional)}; {count} were asked for.");
        for (int i = 0; i < sentences.Count; i++)
        {
            var pieces = vocab.Encode(sentences[i]);
            var ids = new long[length];
            var mask = new long[length];
            int used = Math.Min(pieces.Count, length - 2);
            ids[0] = vocab.Cls;
            for (int k = 0; k < used; k++) ids[k + 1] = pieces[k];
            ids[used + 1] = vocab.Sep;
            for (int k = used + 2; k < length; k++) ids[k] = vocab.Pad;
            for (int k = 0; k < used + 2; k++) mask[k] = 1;
            string folder = Path.Combine(outDir, i.ToString("D3", CultureInfo.InvariantCulture));
            Directory.CreateDirectory(folder);
            NpyFile.Write(Path.Combine(folder, "input_ids.npy"), [1, length], ids);
            NpyFile.Write(Path.Combine(folder, "attention_mask.npy"), [1, length], mask);
            NpyFile.Write(Path.Combine(folder, "token_type_ids.npy"), [1, length], new long[length]);
            Console.WriteLine(sentences[i]);
        }
    }

    private static void Resources(Options o)
    {
        var suffixes = o.Require("--take").Split(',', StringSplitOptions.RemoveEmptyEntries);
        foreach (string file in EmbeddedResources.Extract(o.Require("--assembly"), o.Require("--out"), suffixes))
            Console.Error.WriteLine($"corpus-samples: {file}");
    }

    private sealed class Options
    {
        private readonly Dictionary<string, string> _named = [];
        public List<string> Positional { get; } = [];

        public static Options Parse(ReadOnlySpan<string> args)
        {
            var o = new Options();
            for (int i = 0; i < args.Length; i++)
            {
                if (!args[i].StartsWith("--", StringComparison.Ordinal)) { o.Positional.Add(args[i]); continue; }
                if (i + 1 >= args.Length) throw new ArgumentException($"{args[i]} needs a value.");
                o._named[args[i]] = args[++i];
            }
            return o;
        }

        public string? Get(string name) => _named.GetValueOrDefault(name);
        public string Require(string name) => Get(name) ?? throw new ArgumentException($"{name} is required.");
        public float? Float(string name) => Get(name) is { } v ? float.Parse(v, CultureInfo.InvariantCulture) : null;
        public int? Int(string name) => Get(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : null;
    }
}
