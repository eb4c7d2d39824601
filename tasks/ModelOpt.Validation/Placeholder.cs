namespace ModelOpt.Validation; internal static class Placeholder { }
