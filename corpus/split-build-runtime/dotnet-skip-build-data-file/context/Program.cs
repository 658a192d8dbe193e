System.Console.WriteLine(System.IO.File.ReadAllText("data/rates.csv"));
