"""Spanish contact-center calls for the multilingual engine's benchmark (bench/speech/languages.py), and short French
and German calls for its language-detection set. Scripts in the bench/speech/scripts.py format, filled in (no
{slots}), numbers spelled out as the voices say them. DEV is for tuning, TEST for the figures reported; they share
no sentence (checked by make_calls_es)."""

from __future__ import annotations

from bench.speech.scripts import Script

# The listener's "mm-hmm" in a long turn (CallBuilder adds them), in Spanish.
BACKCHANNELS = ["Vale.", "Sí.", "Claro.", "Ajá.", "Entiendo."]

DEV = [
    Script(
        "es-dev-01-tarjeta-perdida",
        """
A: Banco Horizonte, buenos días, le atiende Lucía. ¿En qué puedo ayudarle?
C: Hola, buenos días. He perdido mi tarjeta de crédito y quiero bloquearla.
A: Lo siento mucho. ¿Me puede decir su nombre completo, por favor?
C: Sí, me llamo Javier Morales Ruiz.
A: Gracias, señor Morales. ¿Y los últimos cuatro números de la tarjeta?
C: Son cuatro cinco seis siete.
A: Perfecto. ¿Cuándo fue la última vez que la utilizó?
C: Ayer por la tarde, en el supermercado, pagué treinta y dos euros.
A: De acuerdo. La tarjeta queda bloqueada desde este momento y le enviaremos una nueva en cinco días hábiles.
C: Muy bien, muchas gracias por su ayuda.
A: A usted. Que tenga un buen día.
""",
    ),
    Script(
        "es-dev-02-factura-movil",
        """
A: Telefónica Sur, mi nombre es Andrés. ¿Con quién tengo el gusto?
C: Buenas tardes, soy Carmen Vidal. Llamo por la factura de este mes.
A: Claro, señora Vidal. ¿Me confirma su número de teléfono?
C: Es el seis uno dos, tres cuatro cinco, seis siete ocho.
A: Gracias. Veo una factura de ochenta y cinco euros con cuarenta céntimos.
C: Eso es demasiado. Normalmente pago unos cuarenta euros.
A: Hay un cargo por llamadas internacionales del doce de marzo.
C: Yo no hice ninguna llamada internacional ese día.
A: Entiendo. Voy a abrir una reclamación y le devolveremos el importe si se confirma el error.
C: Perfecto, ¿cuánto tiempo tarda?
A: Unos diez días. El número de la reclamación es siete siete tres uno nueve.
C: Apuntado, muchas gracias.
""",
    ),
    Script(
        "es-dev-03-cambio-direccion",
        """
A: Seguros Atlántico, buenas tardes, soy Marta. ¿En qué le ayudo?
C: Hola, quería cambiar la dirección de mi póliza porque me he mudado.
A: Por supuesto. ¿Me da el número de póliza?
C: Sí, es el dos ocho cuatro, cero cero seis, uno tres.
A: Gracias. ¿Cuál es la nueva dirección?
C: Calle de la Luna, número diecisiete, tercero izquierda, en Valencia.
A: ¿Y el código postal?
C: Cuatro seis cero cero dos.
A: Muy bien, ya está actualizada. Recibirá la confirmación por correo electrónico.
C: Estupendo, gracias.
""",
    ),
    Script(
        "es-dev-04-pedido-retrasado",
        """
A: Tienda Sol, le atiende Pablo. ¿En qué puedo ayudarle hoy?
C: Buenos días. Hice un pedido hace dos semanas y todavía no ha llegado.
A: Vaya, lo siento. ¿Tiene el número de pedido?
C: Sí, es el nueve cinco dos ocho uno cuatro.
A: Gracias. Veo que el paquete salió del almacén el tres de abril.
C: Pues ya estamos a dieciocho y no sé nada.
A: Parece que se quedó en la oficina de reparto. Lo enviaremos mañana por la mañana sin coste.
C: Vale. ¿Me pueden avisar por mensaje cuando salga?
A: Claro, le llegará un mensaje al móvil que tenemos registrado.
C: De acuerdo, gracias por todo.
""",
    ),
    Script(
        "es-dev-05-cita-medica",
        """
A: Centro Médico San Rafael, buenos días, le atiende Elena.
C: Hola, quería pedir una cita con el doctor Herrera.
A: ¿Es usted paciente del centro?
C: Sí, mi número de paciente es tres tres uno cinco ocho.
A: Gracias. El doctor tiene hueco el martes veinte a las diez y media.
C: El martes no puedo. ¿Tiene algo el jueves?
A: El jueves veintidós a las cuatro de la tarde.
C: Perfecto, ese me viene bien.
A: Queda anotada. Por favor, llegue diez minutos antes.
C: Así lo haré. Hasta luego.
""",
    ),
    Script(
        "es-dev-06-transferencia",
        """
A: Banco Horizonte, soy Diego. ¿En qué le puedo ayudar?
C: Buenas, quiero saber por qué no ha llegado una transferencia.
A: ¿Me indica su nombre y su fecha de nacimiento?
C: Rosa Jiménez, nací el catorce de febrero de mil novecientos ochenta.
A: Gracias, señora Jiménez. ¿De cuánto era la transferencia?
C: De mil doscientos euros, la hice el lunes.
A: La veo en proceso. Las transferencias a otros bancos tardan hasta dos días.
C: Ah, entonces debería llegar hoy.
A: Exacto, antes de las seis de la tarde.
C: Muy bien, gracias por la información.
""",
    ),
]

TEST = [
    Script(
        "es-test-01-robo-tarjeta",
        """
A: Caja Mediterránea, buenas noches, le habla Sergio. ¿Qué necesita?
C: Buenas noches. Me han robado la cartera con la tarjeta de débito dentro.
A: Vamos a anularla ahora mismo. ¿Cuál es su nombre, por favor?
C: Me llamo Laura Castillo Romero.
A: ¿Me puede dar el número de la tarjeta?
C: Es cuatro uno uno uno, dos dos dos dos, tres tres tres tres, cuatro cuatro cuatro cuatro.
A: Gracias. ¿Ha visto algún cargo que no reconozca?
C: Sí, uno de noventa euros en una gasolinera esta tarde.
A: Lo marcamos como fraude y le devolveremos el dinero en unos días.
C: Menos mal, muchas gracias.
A: De nada, señora Castillo. La nueva tarjeta le llegará la semana que viene.
""",
    ),
    Script(
        "es-test-02-internet-caido",
        """
A: Fibra Norte, soporte técnico, soy Alberto. ¿Cuál es el problema?
C: Hola, no tengo internet desde esta mañana.
A: ¿Me dice el número del cliente?
C: Claro, es el cinco cero siete, dos nueve, uno uno cuatro.
A: Gracias. ¿Las luces del router están encendidas?
C: La luz verde parpadea y la roja está fija.
A: Hay una avería en su zona que afecta a ciento veinte clientes.
C: ¿Y cuándo estará arreglada?
A: Los técnicos calculan que hacia las cinco de la tarde.
C: Bueno, esperaré. ¿Me harán algún descuento?
A: Sí, le descontaremos tres euros en la próxima factura.
C: Está bien, gracias.
""",
    ),
    Script(
        "es-test-03-reserva-hotel",
        """
A: Hoteles Brisa, reservas, le atiende Sofía. Dígame.
C: Buenos días, quiero cambiar las fechas de una reserva.
A: Con mucho gusto. ¿Tiene el localizador?
C: Sí, es el ocho seis uno, cuatro cero, dos siete.
A: Gracias. La reserva está a nombre de Manuel Ortega, del nueve al doce de junio.
C: Exacto. Necesitaría pasarla al dieciséis de junio, tres noches.
A: Tenemos habitación. El precio sube a doscientos cuarenta euros en total.
C: Me parece bien, adelante con el cambio.
A: Hecho. Le enviamos la confirmación a su correo.
C: Perfecto, muchas gracias, Sofía.
""",
    ),
    Script(
        "es-test-04-devolucion",
        """
A: Moda Express, atención al cliente, soy Raúl.
C: Hola, quería devolver unos zapatos que me quedan pequeños.
A: Sin problema. ¿Cuál es el número del pedido?
C: Es el tres nueve dos, cero cinco, seis seis uno.
A: Lo tengo. Unos zapatos de sesenta y nueve euros comprados el veinticinco de mayo.
C: Sí, esos son. ¿Puedo cambiarlos por una talla más?
A: Claro. Le mandamos una etiqueta y el mensajero los recoge el viernes.
C: ¿Tengo que pagar algo por el envío?
A: No, el cambio de talla es gratuito.
C: Genial, gracias.
""",
    ),
    Script(
        "es-test-05-seguro-coche",
        """
A: Seguros Atlántico, siniestros, le atiende Isabel.
C: Buenas tardes, he tenido un pequeño accidente con el coche.
A: ¿Está usted bien? ¿Hay alguien herido?
C: No, nadie, solo un golpe en el parachoques.
A: Me alegro. ¿Me dice la matrícula del vehículo?
C: Es cuatro siete dos uno, be ce de.
A: Gracias. ¿Dónde y cuándo ocurrió?
C: Hoy a las dos, en un aparcamiento de Sevilla.
A: Le asigno el taller más cercano. El número del parte es seis cero ocho ocho dos.
C: Muy bien, muchas gracias por la rapidez.
""",
    ),
    Script(
        "es-test-06-baja-gimnasio",
        """
A: Gimnasio Activa, le atiende Nuria. ¿En qué le ayudo?
C: Hola, quería darme de baja del gimnasio.
A: Lamento oírlo. ¿Me da su nombre y su número de socio?
C: Pedro Navarro, socio número uno cuatro ocho nueve.
A: Gracias, Pedro. La baja será efectiva a partir del uno de julio.
C: ¿Me cobrarán la cuota de junio?
A: Sí, la cuota de junio, treinta y cinco euros, se cobra igualmente.
C: Vale, lo entiendo.
A: Si cambia de opinión, puede volver sin matrícula durante tres meses.
C: Lo tendré en cuenta, gracias.
""",
    ),
]

# Language detection: short calls in French and German (pico), beside the Spanish and English test calls.
FRENCH = [
    Script(
        "fr-01-carte",
        """
A: Banque Horizon, bonjour, je m'appelle Claire. Que puis-je faire pour vous?
C: Bonjour, j'ai perdu ma carte bancaire hier soir.
A: Je suis désolée. Pouvez-vous me donner votre nom, s'il vous plaît?
C: Oui, je m'appelle Pierre Martin.
A: Merci. Je bloque votre carte tout de suite et vous en recevrez une nouvelle dans cinq jours.
C: Merci beaucoup, au revoir.
""",
    ),
    Script(
        "fr-02-facture",
        """
A: Service client, bonjour, c'est Julien à l'appareil.
C: Bonjour, ma facture de ce mois est beaucoup trop élevée.
A: Je regarde cela. Il y a des appels internationaux le douze mars.
C: Je n'ai jamais appelé l'étranger ce jour-là.
A: D'accord, j'ouvre une réclamation et nous vous rembourserons.
C: Parfait, merci pour votre aide.
""",
    ),
    Script(
        "fr-03-livraison",
        """
A: Boutique Soleil, bonjour, je suis Amélie.
C: Bonjour, ma commande n'est toujours pas arrivée après deux semaines.
A: Je suis navrée. Le colis est bloqué au centre de distribution.
C: Est-ce que vous pouvez le renvoyer rapidement?
A: Bien sûr, il partira demain matin sans frais supplémentaires.
C: Très bien, merci et bonne journée.
""",
    ),
]

GERMAN = [
    Script(
        "de-01-karte",
        """
A: Horizont Bank, guten Tag, mein Name ist Anna. Wie kann ich Ihnen helfen?
C: Guten Tag, ich habe gestern meine Kreditkarte verloren.
A: Das tut mir leid. Wie ist Ihr vollständiger Name, bitte?
C: Ich heiße Thomas Becker.
A: Danke, Herr Becker. Ich sperre die Karte sofort, die neue kommt in fünf Tagen.
C: Vielen Dank, auf Wiederhören.
""",
    ),
    Script(
        "de-02-rechnung",
        """
A: Kundenservice, guten Morgen, Sie sprechen mit Lukas.
C: Guten Morgen, meine Rechnung ist diesen Monat viel zu hoch.
A: Ich schaue nach. Es gibt Auslandsgespräche vom zwölften März.
C: An dem Tag habe ich niemanden im Ausland angerufen.
A: In Ordnung, ich eröffne eine Reklamation und Sie bekommen das Geld zurück.
C: Sehr gut, vielen Dank für Ihre Hilfe.
""",
    ),
    Script(
        "de-03-lieferung",
        """
A: Sonnen Shop, hallo, hier ist Julia.
C: Hallo, meine Bestellung ist nach zwei Wochen immer noch nicht angekommen.
A: Das tut mir leid. Das Paket liegt noch im Verteilzentrum.
C: Können Sie es bitte schnell noch einmal schicken?
A: Natürlich, es geht morgen früh ohne zusätzliche Kosten raus.
C: Prima, danke und einen schönen Tag noch.
""",
    ),
]
