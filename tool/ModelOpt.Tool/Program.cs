namespace ModelOpt.Tool; internal static class Program { public static int Main(string[] args) => 0; }
