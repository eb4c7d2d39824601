namespace ModelOpt.TestSupport; public static class Placeholder { }
