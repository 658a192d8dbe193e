class AppTest {}
