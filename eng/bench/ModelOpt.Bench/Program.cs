namespace ModelOpt.Bench;

/// <summary>Entry point: <c>dotnet run -c Release --project eng/bench/ModelOpt.Bench -- COMMAND [options]</c>.</summary>
internal static class Program
{
    private static readonly Dictionary<string, (string Help, Func<string[], int> Run)> Commands = new(StringComparer.Ordinal)
    {
        ["io"] = ("load/save throughput and peak memory against bare Google.Protobuf (io [--size-mb 300] [--rounds 5])", IoBenchmark.Run),
        ["analyze"] = ("engine time of analyze (load + shapes + cost) on the PP-OCR models (analyze [--rounds 9])", AnalyzeBenchmark.Run),
        ["validate"] = ("validation harness overhead over ONNX Runtime on PP-OCRv4 det (validate [--samples 200] [--side 320])", ValidateBenchmark.Run),
        [IoBenchmark.ChildCommand] = ("(internal) one measured load/save in a fresh process", IoBenchmark.RunChild),
    };

    public static int Main(string[] args)
    {
        if (args.Length == 0 || !Commands.TryGetValue(args[0], out var command))
        {
            Console.Error.WriteLine("usage: ModelOpt.Bench COMMAND [options]");
            foreach (var (name, (help, _)) in Commands.Where(c => !c.Key.StartsWith('_')))
                Console.Error.WriteLine($"  {name,-6} {help}");
            return 2;
        }
        return command.Run(args[1..]);
    }
}
