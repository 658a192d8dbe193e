System.Console.WriteLine("ledger");
