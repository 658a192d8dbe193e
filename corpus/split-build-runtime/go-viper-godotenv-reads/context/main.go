package main

import (
	"github.com/joho/godotenv"
	"github.com/spf13/viper"
)

func main() {
	_ = godotenv.Load()
	viper.SetConfigName("app")
	viper.AddConfigPath("./configs")
	_ = viper.ReadInConfig()
}
